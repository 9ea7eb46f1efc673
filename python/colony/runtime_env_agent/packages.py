"""Unpacking uploaded packages (pkg://<sha256>) into the agent's folder.

The raylet has fetched each package from the GCS KV into `packages/<sha256>.zip` before
asking; here a package becomes `<kind>/<sha256>/` (working_dir, py_modules: the zip
unpacked) or `jars/<sha256>.jar` (java_jars: the jar as is). Each is made under a
temporary name and renamed into place, so a half-made one is never used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile

from colony._private import runtime_env


class PackageError(Exception):
    pass


class Packages:
    def __init__(self, root: str, cache):
        self._root = root
        self._cache = cache

    def zip_path(self, digest: str) -> str:
        return os.path.join(self._root, "packages", digest + ".zip")

    def _read(self, key: str, uri: str) -> tuple:
        digest = runtime_env.package_hash(uri, key)
        path = self.zip_path(digest)
        if not os.path.exists(path):
            raise PackageError(f"{key} {uri}: the package was not fetched to this node "
                               f"({path} is missing)")
        return digest, path

    def unpacked(self, key: str, uri: str) -> str:
        """The folder of an unpacked working_dir or py_modules package."""
        digest, path = self._read(key, uri)
        target = os.path.join(self._root, key, digest)

        def build():
            with open(path, "rb") as f:
                data = f.read()
            _check_size(key, uri, data)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = tempfile.mkdtemp(prefix=f".{digest}.", dir=os.path.dirname(target))
            try:
                os.rmdir(tmp)  # unpack() makes the folder itself
                runtime_env.unpack(data, tmp)
                os.rename(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise

        self._cache.get(key, digest, lambda: os.path.isdir(target), build)
        return target

    def jar(self, uri: str) -> str:
        """The path of a java_jars package on this node."""
        digest, path = self._read("java_jars", uri)
        target = os.path.join(self._root, "jars", digest + ".jar")

        def build():
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = target + f".tmp-{os.getpid()}"
            shutil.copyfile(path, tmp)
            os.rename(tmp, target)

        self._cache.get("java_jars", digest, lambda: os.path.exists(target), build)
        return target


def _check_size(key: str, uri: str, data: bytes) -> None:
    """A package whose files add up to more than the limit is refused before unpacking."""
    limit = runtime_env.max_package_bytes()
    try:
        with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as e:
        raise PackageError(f"{key} {uri} is not a valid zip file: {e}") from None
    if total > limit:
        raise PackageError(f"{key} {uri} unpacks to {total} bytes, over the {limit} byte limit "
                           "(COLONY_MAX_WORKING_DIR_BYTES)")
