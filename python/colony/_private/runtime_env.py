"""Runtime environments of submitted jobs: checking them and packing working folders.

A job's `runtime_env` is a dict with `env_vars` (str -> str, added to the driver's
environment) and `working_dir`. On the client a `working_dir` is a local folder; it is
packed into a zip whose bytes depend only on the folder's content (sorted entries, fixed
timestamps), so its SHA-256 names it and an unchanged folder is uploaded once. On the
cluster side a `working_dir` is the URI of an uploaded package, `pkg://<sha256 hex>`.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile

SUPPORTED_KEYS = ("env_vars", "working_dir")
# Keys of Ray's runtime_env that Colony does not build yet: named in the error so the user
# knows the key was understood, just not available.
NOT_YET_SUPPORTED = ("pip", "py_modules", "java_jars", "conda", "container", "uv")
PACKAGE_SCHEME = "pkg://"
MAX_PACKAGE_BYTES = int(os.environ.get("COLONY_MAX_WORKING_DIR_BYTES", 100 * 1024 * 1024))
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# Folders that are never part of a job's code.
_SKIPPED_DIRS = {"__pycache__", ".git"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class RuntimeEnvError(ValueError):
    """A runtime_env that cannot be used; the message says which part and why."""


def validate(runtime_env, *, working_dir_is_uri: bool) -> dict:
    """Checks `runtime_env` and returns a normalised copy.

    `working_dir_is_uri`: the job API takes only uploaded packages (`pkg://<hash>`); a
    client takes a local folder and uploads it.
    """
    if runtime_env is None:
        return {}
    if not isinstance(runtime_env, dict):
        raise RuntimeEnvError(f"runtime_env must be a JSON object (a dict), got "
                              f"{type(runtime_env).__name__}")
    out = {}
    for key, value in runtime_env.items():
        if key in NOT_YET_SUPPORTED:
            raise RuntimeEnvError(f"runtime_env key {key!r} is not supported yet (supported: "
                                  f"{', '.join(SUPPORTED_KEYS)})")
        if key not in SUPPORTED_KEYS:
            raise RuntimeEnvError(f"unknown runtime_env key {key!r} (supported: "
                                  f"{', '.join(SUPPORTED_KEYS)})")
        if value is None:
            continue
        if key == "env_vars":
            out[key] = _env_vars(value)
        else:
            out[key] = _working_dir(value, working_dir_is_uri)
    return out


def _env_vars(value) -> dict:
    if not isinstance(value, dict):
        raise RuntimeEnvError(f"runtime_env['env_vars'] must be an object of names to strings, "
                              f"got {type(value).__name__}")
    for name, v in value.items():
        if not isinstance(name, str) or not name or "=" in name or "\0" in name:
            raise RuntimeEnvError(f"runtime_env['env_vars'] has an invalid variable name "
                                  f"{name!r}")
        if not isinstance(v, str) or "\0" in v:
            raise RuntimeEnvError(f"runtime_env['env_vars'][{name!r}] must be a string, got "
                                  f"{v!r}")
    return dict(value)


def _working_dir(value, is_uri: bool) -> str:
    if not isinstance(value, str) or not value:
        raise RuntimeEnvError(f"runtime_env['working_dir'] must be a non-empty string, got "
                              f"{value!r}")
    if is_uri:
        package_hash(value)  # raises on anything but pkg://<hash>
        return value
    if value.startswith(PACKAGE_SCHEME):
        package_hash(value)
        return value
    if not os.path.exists(value):
        raise RuntimeEnvError(f"working_dir {value!r} does not exist")
    if not os.path.isdir(value):
        raise RuntimeEnvError(f"working_dir {value!r} is not a folder")
    return os.path.abspath(value)


def package_uri(digest: str) -> str:
    return PACKAGE_SCHEME + digest


def package_hash(uri: str) -> str:
    """The SHA-256 hex digest a `pkg://` URI names."""
    if not isinstance(uri, str) or not uri.startswith(PACKAGE_SCHEME):
        raise RuntimeEnvError(f"working_dir {uri!r} is not an uploaded package: the job API "
                              f"takes {PACKAGE_SCHEME}<sha256> URIs (colony job submit and "
                              "JobSubmissionClient upload a local folder for you)")
    digest = uri[len(PACKAGE_SCHEME):]
    if not _HASH_RE.match(digest):
        raise RuntimeEnvError(f"working_dir {uri!r}: a package URI is {PACKAGE_SCHEME} and 64 "
                              "lowercase hex digits")
    return digest


def is_package_hash(text: str) -> bool:
    return bool(_HASH_RE.match(text))


def pack_dir(path: str, max_bytes: int = MAX_PACKAGE_BYTES) -> tuple:
    """Packs folder `path` into a zip; returns (sha256 hex, bytes).

    The same content always gives the same bytes. Files only (symbolic links to files are
    followed, to folders are not); a package over `max_bytes` is refused.
    """
    if not os.path.isdir(path):
        raise RuntimeEnvError(f"working_dir {path!r} does not exist or is not a folder")
    entries = []
    total = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS
                         and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            full = os.path.join(root, name)
            try:
                st = os.stat(full)
            except OSError as e:
                raise RuntimeEnvError(f"working_dir {path!r}: cannot read {full}: "
                                      f"{e.strerror}") from None
            if not stat.S_ISREG(st.st_mode):
                continue
            total += st.st_size
            if total > max_bytes:
                raise RuntimeEnvError(
                    f"working_dir {path!r} is larger than the {max_bytes // 2**20} MiB limit "
                    "of an uploaded package (COLONY_MAX_WORKING_DIR_BYTES); leave data out of "
                    "it and read it from shared storage")
            entries.append((os.path.relpath(full, path), full, st.st_mode))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, full, mode in entries:
            info = zipfile.ZipInfo(rel.replace(os.sep, "/"), date_time=_FIXED_TIME)
            info.external_attr = (stat.S_IMODE(mode) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(full, "rb") as f:
                zf.writestr(info, f.read())
    data = buf.getvalue()
    return hashlib.sha256(data).hexdigest(), data


def unpack(data: bytes, target: str) -> None:
    """Unpacks package bytes into the new folder `target` (which must not exist yet).

    Names that would land outside `target` (absolute paths, `..`) are refused.
    """
    os.makedirs(target, mode=0o700)
    root = os.path.realpath(target)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise RuntimeEnvError(f"package is not a valid zip file: {e}") from None
    with zf:
        for info in zf.infolist():
            dest = os.path.realpath(os.path.join(root, info.filename))
            if not dest.startswith(root + os.sep):
                raise RuntimeEnvError(f"package entry {info.filename!r} would be written "
                                      "outside its folder")
            if info.is_dir():
                os.makedirs(dest, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(dest, mode | 0o600)
