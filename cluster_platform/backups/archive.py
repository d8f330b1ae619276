"""The archive: one uncompressed tar of manifest.json, database.dump and media.tar; written
with the media files hashed on the way in, and read in place with every member checked
against the manifest before a restore uses it."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import stat
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from .clients import BackupError

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_DUMP = "database.dump"
MEDIA_TAR = "media.tar"
CHUNK = 1024 * 1024


def publish(partial: Path, directory: Path, created: datetime.datetime) -> Path:
    """Give the finished archive its name (never replacing one): until then it has none a
    restore would pick up."""
    stem = created.strftime("%Y%m%dT%H%M%SZ")
    for number in range(1, 1000):
        path = directory / (f"{stem}.tar" if number == 1 else f"{stem}-{number}.tar")
        if not path.exists():
            os.replace(partial, path)
            return path
    raise BackupError(f"Too many archives named {stem}* in {directory}.")


def anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def write_media_tar(media_root: Path, target: Path, *, exclude: Path) -> tuple[list[dict], list[str]]:
    files, skipped = [], []
    excluded = exclude.resolve()
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        if not media_root.is_dir():
            return files, skipped
        for dirpath, dirnames, filenames in os.walk(media_root):
            # BACKUP_DIR inside MEDIA_ROOT: never save the archives into the next archive.
            dirnames[:] = sorted(name for name in dirnames if (Path(dirpath) / name).resolve() != excluded)
            for name in sorted(filenames):
                full = Path(dirpath) / name
                relative = full.relative_to(media_root).as_posix()
                status = os.lstat(full)
                if not stat.S_ISREG(status.st_mode):
                    skipped.append(relative)
                    continue
                info = tarfile.TarInfo(relative)
                info.size, info.mtime, info.mode = status.st_size, status.st_mtime, 0o644
                with open(full, "rb") as handle:
                    reader = HashingReader(handle)
                    tar.addfile(info, reader)
                files.append({"path": relative, "size": status.st_size, "sha256": reader.hexdigest()})
    return files, skipped


class HashingReader:
    """A file read once: into the tar, and through SHA-256 on the way."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data

    def hexdigest(self):
        return self.digest.hexdigest()


def file_facts(path: Path) -> dict:
    return {"file": path.name, "size": path.stat().st_size, "sha256": file_sha256(path)}


class Archive:
    """The archive, read in place (it may sit on a read-only volume): the manifest first, the
    members checked against it."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        if not self.path.is_file():
            raise BackupError(f"No archive at {self.path}.")
        try:
            self.tar = tarfile.open(self.path, "r:")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise self._damaged(f"it cannot be read as a tar file; is it truncated? {error}") from None
        try:
            self._open()
        except BaseException:
            self.tar.close()
            raise
        return self

    def _open(self):
        try:
            self.members = {member.name: member for member in self.tar.getmembers()}
        except (tarfile.TarError, OSError, EOFError) as error:
            raise self._damaged(f"it cannot be read as a tar file; is it truncated? {error}") from None
        missing = [name for name in (MANIFEST, DATABASE_DUMP, MEDIA_TAR) if name not in self.members]
        if missing:
            raise self._damaged(f"{' and '.join(missing)} missing; is it truncated?")
        try:
            self.manifest = json.loads(self._read(MANIFEST).read())
            if self.manifest.get("format") != FORMAT:
                raise self._damaged(f"an unknown format {self.manifest.get('format')!r} (this code reads {FORMAT})")
            _check_manifest(self.manifest)
        except (tarfile.TarError, OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise self._damaged(f"its {MANIFEST} cannot be read: {error!r}") from None

    def __exit__(self, *exc):
        self.tar.close()

    def _damaged(self, why: str) -> BackupError:
        return BackupError(f"{self.path} is not a usable backup archive ({why}). Nothing was changed.")

    def _read(self, name: str):
        member = self.members[name]
        if not member.isfile():
            raise self._damaged(f"{name} is not a file")
        return self.tar.extractfile(member)

    def _copy_checked(self, name: str, expected: dict, target) -> None:
        digest, size = hashlib.sha256(), 0
        try:
            source = self._read(name)
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if target is not None:
                    target.write(chunk)
        except (tarfile.TarError, OSError, EOFError) as error:
            raise self._damaged(f"{name} cannot be read, the file is probably truncated: {error}") from None
        if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
            raise self._damaged(f"{name} differs from the manifest's size and SHA-256: the archive is damaged")

    def extract_dump(self, work: Path) -> Path:
        path = work / DATABASE_DUMP
        with open(path, "wb") as target:
            self._copy_checked(DATABASE_DUMP, self.manifest["database"], target)
        return path

    def check_media(self):
        self._copy_checked(MEDIA_TAR, self.manifest["media"], None)
        with self._media() as media:
            stored = {member.name: member.size for member in media.getmembers() if member.isfile()}
        listed = {entry["path"]: entry["size"] for entry in self.manifest["media"]["files"]}
        if stored != listed:
            raise self._damaged(f"{MEDIA_TAR} does not hold the files the manifest lists")

    def _media(self):
        return tarfile.open(fileobj=self._read(MEDIA_TAR), mode="r:")

    def restore_media(self, media_root: Path) -> int:
        """Each file written beside its place, checked, then moved into place. Returns how many
        were already there with the same content."""
        already_there = 0
        with self._media() as media:
            for entry in self.manifest["media"]["files"]:
                target = media_root / media_path(entry["path"])
                if target.is_file() and file_sha256(target) == entry["sha256"]:
                    already_there += 1
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = media.extractfile(entry["path"])
                handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=".restoring-", delete=False)
                try:
                    with handle:
                        reader = HashingReader(source)
                        shutil.copyfileobj(reader, handle, CHUNK)
                    if reader.hexdigest() != entry["sha256"]:
                        raise BackupError(f"{entry['path']} in the archive differs from its SHA-256 in the manifest.")
                    os.chmod(handle.name, 0o644)
                    mtime = media.getmember(entry["path"]).mtime
                    os.utime(handle.name, (mtime, mtime))
                    os.replace(handle.name, target)
                finally:
                    if os.path.exists(handle.name):
                        os.unlink(handle.name)
        return already_there


def _check_manifest(manifest: dict):
    """Raise KeyError, AttributeError or ValueError unless every part a restore reads is there."""
    database, media = manifest["database"], manifest["media"]
    numbers = [database["size"], media["size"], database["server_major"], database["pg_dump_major"],
               *manifest["tables"].values(), *(entry["size"] for entry in media["files"])]
    texts = [database["sha256"], media["sha256"], database["server_version"],
             *(entry["sha256"] for entry in media["files"])]
    if not all(isinstance(number, int) for number in numbers) or not all(isinstance(text, str) for text in texts):
        raise ValueError("a size, count, version or checksum of the wrong type")
    if not all(isinstance(entry, list) and len(entry) == 2 for entry in manifest["migrations"]):
        raise ValueError("a migration that is not [app, name]")
    for entry in media["files"]:
        media_path(entry["path"])


def media_path(name: str) -> PurePosixPath:
    """A manifest path as a relative path that stays inside MEDIA_ROOT."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or str(path) != name:
        raise ValueError(f"a media path that leaves MEDIA_ROOT: {name!r}")
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_listing(media_root: Path) -> list[str]:
    if not media_root.is_dir():
        return []
    return [
        (Path(dirpath) / name).relative_to(media_root).as_posix()
        for dirpath, _, filenames in os.walk(media_root) for name in filenames
    ]


def media_conflicts(manifest: dict, media_root: Path) -> list[str]:
    conflicts = []
    for entry in manifest["media"]["files"]:
        target = media_root / media_path(entry["path"])
        if target.exists() and not (target.is_file() and target.stat().st_size == entry["size"]
                                    and file_sha256(target) == entry["sha256"]):
            conflicts.append(entry["path"])
    return conflicts

