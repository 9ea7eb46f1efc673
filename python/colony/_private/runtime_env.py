"""Runtime environments (docs/runtime_env.md): checking them, packing local folders, and
making the canonical form tasks carry.

A `runtime_env` is a dict with `env_vars` (str -> str), `working_dir` (a folder: the
worker's current directory and first on its import path), `py_modules` (folders or .py
files, importable in the worker), `pip` (requirements, installed into a virtualenv per
requirement set on each node) and `java_jars` (jar files, on the Java worker's class path).
On a client, folders and files are local paths; each is packed into a zip whose bytes
depend only on its content (sorted entries, fixed timestamps), so its SHA-256 names it and
an unchanged folder is uploaded once. On the cluster side they are URIs of uploaded
packages, `pkg://<sha256 hex>`, kept in the GCS KV (namespace `packages`); each node's
runtime-env agent (colony/runtime_env_agent/) unpacks them and builds the virtualenvs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile

from colony.exceptions import RuntimeEnvSetupError

SUPPORTED_KEYS = ("env_vars", "working_dir", "py_modules", "pip", "java_jars")
# Keys of Ray's runtime_env that Colony does not build: named in the error so the user
# knows the key was understood, just not available.
NOT_YET_SUPPORTED = ("conda", "container", "uv", "image_uri")
PACKAGE_SCHEME = "pkg://"
PACKAGES_KV = "packages"  # GCS KV namespace of uploaded packages (key: sha256 hex)
_DEFAULT_MAX_PACKAGE_BYTES = 100 * 1024 * 1024
MAX_PACKAGE_BYTES = int(os.environ.get("COLONY_MAX_WORKING_DIR_BYTES", _DEFAULT_MAX_PACKAGE_BYTES))
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# Folders that are never part of a job's code.
_SKIPPED_DIRS = {"__pycache__", ".git"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def max_package_bytes() -> int:
    """The package size limit, read when used so a process can change it."""
    return int(os.environ.get("COLONY_MAX_WORKING_DIR_BYTES", _DEFAULT_MAX_PACKAGE_BYTES))


class RuntimeEnvError(RuntimeEnvSetupError, ValueError):
    """A runtime_env that cannot be used, found before anything runs; the message says
    which part and why. A ValueError too, for callers checking arguments."""


def validate(runtime_env, *, working_dir_is_uri: bool) -> dict:
    """Checks `runtime_env` and returns a normalised copy.

    `working_dir_is_uri`: the job API takes only uploaded packages (`pkg://<hash>`) for
    working_dir, py_modules and java_jars; a client takes local paths and uploads them.
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
        elif key == "working_dir":
            out[key] = _working_dir(value, working_dir_is_uri)
        elif key == "pip":
            out[key] = _pip(value)
        else:
            out[key] = _paths(key, value, working_dir_is_uri)
    return out


def _pip(value) -> list:
    """A list of requirement strings, or {"packages": [...]} as Ray also takes."""
    if isinstance(value, dict):
        extra = set(value) - {"packages"}
        if extra:
            raise RuntimeEnvError(f"runtime_env['pip'] as an object takes only 'packages', got "
                                  f"{sorted(extra)}")
        value = value.get("packages")
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise RuntimeEnvError(f"runtime_env['pip'] must be a list of requirement strings, got "
                              f"{value!r}")
    out = []
    for req in value:
        if not isinstance(req, str) or not req.strip() or "\n" in req or "\0" in req:
            raise RuntimeEnvError(f"runtime_env['pip'] has an invalid requirement {req!r}")
        if req.strip().startswith("-"):
            raise RuntimeEnvError(f"runtime_env['pip']: pip options are not taken ({req!r}); "
                                  "give requirement specifiers only")
        out.append(req.strip())
    return out


def _paths(key: str, value, is_uri: bool) -> list:
    """py_modules (folders or .py files) and java_jars (.jar files): local paths, or
    package URIs."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise RuntimeEnvError(f"runtime_env[{key!r}] must be a list of paths, got {value!r}")
    out = []
    for path in value:
        if not isinstance(path, str) or not path:
            raise RuntimeEnvError(f"runtime_env[{key!r}] has an invalid entry {path!r}")
        if is_uri or path.startswith(PACKAGE_SCHEME):
            package_hash(path, key)
            out.append(path)
            continue
        if not os.path.exists(path):
            raise RuntimeEnvError(f"runtime_env[{key!r}]: {path!r} does not exist")
        if key == "java_jars" and not (os.path.isfile(path) and path.endswith(".jar")):
            raise RuntimeEnvError(f"runtime_env['java_jars']: {path!r} is not a .jar file")
        if key == "py_modules" and not (os.path.isdir(path) or path.endswith(".py")):
            raise RuntimeEnvError(f"runtime_env['py_modules']: {path!r} is neither a folder "
                                  "(a package) nor a .py file")
        out.append(os.path.abspath(path))
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


def package_hash(uri: str, key: str = "working_dir") -> str:
    """The SHA-256 hex digest a `pkg://` URI names."""
    if not isinstance(uri, str) or not uri.startswith(PACKAGE_SCHEME):
        raise RuntimeEnvError(f"{key} {uri!r} is not an uploaded package: the job API "
                              f"takes {PACKAGE_SCHEME}<sha256> URIs (colony job submit and "
                              "JobSubmissionClient upload local paths for you)")
    digest = uri[len(PACKAGE_SCHEME):]
    if not _HASH_RE.match(digest):
        raise RuntimeEnvError(f"{key} {uri!r}: a package URI is {PACKAGE_SCHEME} and 64 "
                              "lowercase hex digits")
    return digest


def is_package_hash(text: str) -> bool:
    return bool(_HASH_RE.match(text))


def pack_dir(path: str, max_bytes: int | None = None, *, prefix: str = "",
             what: str = "working_dir") -> tuple:
    """Packs folder `path` into a zip; returns (sha256 hex, bytes).

    The same content always gives the same bytes. Files only (symbolic links to files are
    followed, to folders are not); a package over `max_bytes` (default: the
    COLONY_MAX_WORKING_DIR_BYTES limit) is refused. `prefix`: a folder name every entry
    goes under (a py_modules package keeps its name).
    """
    if max_bytes is None:
        max_bytes = max_package_bytes()
    if not os.path.isdir(path):
        raise RuntimeEnvError(f"{what} {path!r} does not exist or is not a folder")
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
                raise RuntimeEnvError(f"{what} {path!r}: cannot read {full}: "
                                      f"{e.strerror}") from None
            if not stat.S_ISREG(st.st_mode):
                continue
            total += st.st_size
            if total > max_bytes:
                raise RuntimeEnvError(
                    f"{what} {path!r} is larger than the {_size(max_bytes)} limit of an "
                    "uploaded package (COLONY_MAX_WORKING_DIR_BYTES); leave data out of it "
                    "and read it from shared storage")
            entries.append((os.path.join(prefix, os.path.relpath(full, path)), full,
                            st.st_mode))
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


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 else f"{n} bytes"


def pack_module(path: str) -> tuple:
    """A py_modules entry: a package folder (packed under its own name) or one .py file;
    returns (sha256 hex, zip bytes). Unpacked, the folder holding it goes on sys.path."""
    path = os.path.abspath(path)
    name = os.path.basename(path.rstrip(os.sep))
    if os.path.isdir(path):
        return pack_dir(path, prefix=name, what="py_modules entry")
    with open(path, "rb") as f:
        content = f.read()
    if len(content) > max_package_bytes():
        raise RuntimeEnvError(f"py_modules entry {path!r} is larger than the "
                              f"{_size(max_package_bytes())} limit (COLONY_MAX_WORKING_DIR_BYTES)")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
        info.external_attr = (0o644 | stat.S_IFREG) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, content)
    data = buf.getvalue()
    return hashlib.sha256(data).hexdigest(), data


def pack_file(path: str) -> tuple:
    """A java_jars entry: the jar's own bytes are the package; returns (sha256 hex, bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) > max_package_bytes():
        raise RuntimeEnvError(f"java_jars entry {path!r} is larger than the "
                              f"{_size(max_package_bytes())} limit (COLONY_MAX_WORKING_DIR_BYTES)")
    return hashlib.sha256(data).hexdigest(), data


def upload_local_paths(env: dict, exists, put) -> dict:
    """Returns `env` (validated, local paths) with every local folder and file packed and
    uploaded: `exists(digest)` says whether the cluster has a package, `put(digest, bytes)`
    stores one. Packages the cluster has are not sent again."""
    out = dict(env)

    def upload(digest_and_data) -> str:
        digest, data = digest_and_data
        if not exists(digest):
            put(digest, data)
        return package_uri(digest)

    if out.get("working_dir") and not out["working_dir"].startswith(PACKAGE_SCHEME):
        out["working_dir"] = upload(pack_dir(out["working_dir"]))
    if out.get("py_modules"):
        out["py_modules"] = [p if p.startswith(PACKAGE_SCHEME) else upload(pack_module(p))
                             for p in out["py_modules"]]
    if out.get("java_jars"):
        out["java_jars"] = [p if p.startswith(PACKAGE_SCHEME) else upload(pack_file(p))
                            for p in out["java_jars"]]
    return out


def merge(parent: dict, child: dict) -> dict:
    """A task's or actor's env over its job's (or its parent task's), as in Ray: each key
    of `child` replaces the parent's, except env_vars, which are merged name by name."""
    out = dict(parent or {})
    for key, value in (child or {}).items():
        if key == "env_vars":
            out[key] = {**out.get(key, {}), **value}
        else:
            out[key] = value
    return {k: v for k, v in out.items() if v not in (None, {}, [])}


def canonical(env: dict) -> tuple | None:
    """(JSON, hash) of an uploaded env as tasks carry it, or None for an empty env. The
    same env always gives the same JSON, so workers are pooled by its hash."""
    if not env:
        return None
    text = json.dumps(env, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()[:32]


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


def _validate_job_env(runtime_env) -> dict:
    return validate(runtime_env, working_dir_is_uri=False)


# JobConfig (a leaf module) validates its runtime_env through this.
from colony import job_config as _job_config  # noqa: E402

_job_config.set_runtime_env_validator(_validate_job_env)
