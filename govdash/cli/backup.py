"""`govdash backup DIR` and `govdash restore DIR`: what people made, kept apart from the facts.

A backup holds the records database (SQLite's online backup or pg_dump), the archive's seal key and chain head,
copies of the settings files, the list of the files the warehouse's facts were loaded from (each ingest batch:
path, SHA-256, rows; the facts themselves are rebuilt from those files, never backed up) and manifest.json naming
every file's SHA-256 and size, the product version, the records engine, the Alembic revision and when it was made.

A restore checks every digest before it writes anything, puts the records into an empty records database, the key
and head beside it (never over a different key), the settings only when asked, brings the records to this version's
newest migration, and names the `govdash ingest` runs that rebuild the facts."""
from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import click

from govdash.cli.common import fail, failing_on

MANIFEST = "manifest.json"
SOURCES = "sources.json"
FORMAT = "govdash-backup"
FORMAT_VERSION = 1
SEAL_KEY, SEAL_HEAD = "seal/seal.key", "seal/seal.key.head"


@dataclass(frozen=True)
class SettingsFile:
    name: str           # its name in the backup's settings/ folder
    label: str          # what it is, for the operator
    path: Path          # where this installation reads it
    private: bool = False


def settings_files() -> list[SettingsFile]:
    """Every settings file the product reads, where it reads it now (the GOVDASH_* variables included)."""
    from govdash.core.paths import CONFIG_DIR, REPO_ROOT
    from govdash.core.scoring_versions import scoring_path
    from govdash.core.settings import settings_path
    from govdash.web.sessions import settings_path as access_settings_path

    return [SettingsFile("settings.toml", "评价规则设置", settings_path()),
            SettingsFile("scoring.toml", "考核评分设置", scoring_path()),
            SettingsFile("access.toml", "登录与访问设置", access_settings_path()),
            SettingsFile("tables.toml", "输入表定义", CONFIG_DIR / "tables.toml"),
            SettingsFile("streamlit-config.toml", "网页服务设置", REPO_ROOT / ".streamlit" / "config.toml"),
            SettingsFile("streamlit-secrets.toml", "单点登录（OpenID Connect）密钥设置",
                         REPO_ROOT / ".streamlit" / "secrets.toml", private=True)]


def _sha256(path: Path) -> str:
    from pipelines.ingest import file_sha256

    return file_sha256(path)


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a new file with `mode` from its creation (never briefly readable by others)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data` in one rename (a reader sees the old file or the new one)."""
    partial = path.with_name(f".{path.name}.restoring")
    partial.unlink(missing_ok=True)
    _write_private(partial, data, mode)
    os.replace(partial, path)


def _sources() -> dict:
    """The files the warehouse's facts were loaded from, grouped by ingest batch in the order they ran."""
    import duckdb

    from pipelines.ingest import ingested_sources
    from warehouse.db import connect_read, read_cursor, warehouse_path

    path = warehouse_path()
    out = {"warehouse": str(path), "batches": []}
    if not path.exists():
        return out
    con = connect_read(path, check_build=False)
    try:
        rows = ingested_sources(read_cursor(con))
    except duckdb.CatalogException:     # a warehouse no ingest has written yet: no ingest_runs
        rows = []
    finally:
        con.close()
    for row in rows:
        if not out["batches"] or out["batches"][-1]["run_id"] != row["run_id"]:
            out["batches"].append({"run_id": row["run_id"], "started_at": row["started_at"], "files": []})
        out["batches"][-1]["files"].append({k: row[k] for k in ("path", "sha256", "file", "tables", "rows_read",
                                                                "rows_loaded")})
    return out


def _product_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govdash")
    except PackageNotFoundError:
        return "未知"


def _size(n: int) -> str:
    return f"{n:,} 字节"


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup(folder: Path) -> None:
    """备份记录库（发布记录、账号、评分设置版本、登录状态）、封存密钥、设置文件和事实数据的来源文件清单。

    FOLDER 须不存在或为空目录。事实数据（数据仓库）不备份，恢复后按清单重新导入来源文件即可重建。
    """
    from govdash.records import backup as records_backup

    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        fail(f"备份目录 {folder} 已存在且不为空。请指定一个不存在的目录或空目录，以免覆盖已有文件")
    created = not folder.exists()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with failing_on(records_backup.BackupError):
            _backup(folder)
    except BaseException:
        # a backup that failed half-way is no backup: the folder is left as it was found
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for child in folder.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        raise


def _backup(folder: Path) -> None:
    from govdash.core.periods import parse_as_of
    from govdash.records import backup as records_backup
    from govdash.records import db

    # the key and the chain's head first, the records after: a publication made between the two then leaves the
    # backup's head one link behind its records (which verify accepts), never ahead of them (a deleted link)
    click.echo("[1/5] 备份封存密钥与链头文件…")
    seal = {}
    for name, source in ((SEAL_KEY, db.seal_key_path()), (SEAL_HEAD, db.seal_head_path())):
        if source.exists():
            _write_private(folder / name, source.read_bytes())
            seal[name] = str(source)
            click.echo(f"      {source} → {name}")
        else:
            click.echo(f"      {source} 不存在（尚未生成），跳过")

    engine = records_backup.engine_name()
    how = "SQLite 在线备份" if engine == "sqlite" else "pg_dump 自定义格式"
    click.echo(f"[2/5] 备份记录库 {db.display_url()}（{how}）…")
    dump_name, revision = records_backup.dump(folder)
    click.echo(f"      记录库迁移版本 {revision}，{_size((folder / dump_name).stat().st_size)}")

    click.echo("[3/5] 备份设置文件…")
    settings = {}
    for s in settings_files():
        if s.path.exists():
            _write_private(folder / "settings" / s.name, s.path.read_bytes())
            settings[s.name] = {"label": s.label, "path": str(s.path)}
            click.echo(f"      {s.label}：{s.path}")

    click.echo("[4/5] 记录事实数据的来源文件清单…")
    sources = _sources()
    _write_private(folder / SOURCES, (json.dumps(sources, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    n_files = sum(len(b["files"]) for b in sources["batches"])
    click.echo(f"      数据仓库 {sources['warehouse']}：{len(sources['batches'])} 批导入，{n_files} 个文件")

    click.echo("[5/5] 写入清单 manifest.json（每个文件的 SHA-256 与大小）…")
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[path.relative_to(folder).as_posix()] = {"sha256": _sha256(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "product_version": _product_version(),
        "created_at": parse_as_of(None).strftime("%Y-%m-%d %H:%M:%S"),
        "records": {"engine": engine, "alembic_revision": revision, "file": dump_name,
                    "url": db.display_url()},
        "seal": seal, "settings": settings, "sources": SOURCES, "files": files,
    }
    _write_private(folder / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    click.echo(f"备份完成：{folder}（{len(files) + 1} 个文件）")
    if seal:
        click.echo("提醒：备份中含封存密钥，请像保管密钥一样保管备份目录；密钥另存一份于安全处。")


# ---------------------------------------------------------------- restore


def _checked_manifest(folder: Path) -> dict:
    """The manifest, every file it names present with its size and SHA-256; else the command ends naming the
    file. Nothing is written before this passes."""
    path = folder / MANIFEST
    if not path.is_file():
        fail(f"{folder} 中没有 {MANIFEST}，不是 govdash 备份目录")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{MANIFEST} 已损坏，无法读取：{exc}")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        fail(f"{MANIFEST} 不是 govdash 备份清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        fail(f"备份格式版本 {manifest.get('format_version')} 不是本版本能读取的格式（{FORMAT_VERSION}）")
    root = folder.resolve()
    for name, meta in sorted(manifest.get("files", {}).items()):
        target = (folder / name).resolve()
        if Path(name).is_absolute() or root not in target.parents:
            fail(f"备份清单中的文件名 {name} 指向备份目录之外，拒绝恢复")
        if not target.is_file():
            fail(f"备份已损坏：缺少文件 {name}，未做任何恢复")
        if target.stat().st_size != meta.get("size") or _sha256(target) != meta.get("sha256"):
            fail(f"备份已损坏：文件 {name} 与清单记录的 SHA-256 不符，未做任何恢复")
    named = [manifest.get("records", {}).get("file"), manifest.get("sources"), *manifest.get("seal", {}),
             *(f"settings/{n}" for n in manifest.get("settings", {}))]
    for name in named:
        if name not in manifest.get("files", {}):
            fail(f"备份清单不完整：{name} 未列出校验值，未做任何恢复")
    return manifest


def _conflicts(folder: Path, manifest: dict) -> list[tuple[str, Path]]:
    """The key and head to put back: (name in the backup, where), refused when a different one is there."""
    from govdash.records import db

    out = []
    places = ((SEAL_KEY, db.seal_key_path(), "封存密钥"), (SEAL_HEAD, db.seal_head_path(), "链头文件"))
    for name, target, what in places:
        if name not in manifest.get("seal", {}):
            continue
        if target.exists():
            if target.read_bytes() != (folder / name).read_bytes():
                fail(f"{target} 已有不同的{what}，拒绝覆盖（覆盖会使已封存的记录无法核验）。"
                     f"请核对后移走该文件，或用 GOVDASH_SEAL_KEY_FILE 指定新位置再恢复")
            click.echo(f"{what} {target} 已存在且与备份相同，保留")
            continue
        out.append((name, target))
    return out


def _source_state(f: dict) -> str:
    if not f.get("path"):
        return "未记录路径（该文件由旧版本导入）"
    path = Path(f["path"])
    if not path.is_file():
        return "不在原处（网页上传的文件不保留，请找到 SHA-256 相同的原文件）"
    return "" if _sha256(path) == f.get("sha256") else "内容已改变，与导入时的 SHA-256 不同"


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--with-settings", is_flag=True, help="同时恢复设置文件（替换本机当前的设置文件）")
def restore(folder: Path, with_settings: bool) -> None:
    """从备份目录恢复记录库（须为空库）、封存密钥与链头，并提示如何重建事实数据。

    先核对清单中每个文件的 SHA-256，有任何不符即拒绝，不写入任何内容。设置文件仅在 --with-settings 时恢复。
    """
    from govdash.records import backup as records_backup
    from govdash.records import db

    manifest = _checked_manifest(folder)
    click.echo(f"已核对备份 {folder}：{len(manifest['files'])} 个文件的 SHA-256 均与清单一致"
               f"（备份于 {manifest.get('created_at')}，版本 {manifest.get('product_version')}）")
    records = manifest["records"]
    with failing_on(records_backup.BackupError):
        engine = records_backup.engine_name()
        if engine != records.get("engine"):
            fail(f"备份的记录库是 {records.get('engine')}，恢复目标 {db.display_url()} 是 {engine}，"
                 "不能跨数据库类型恢复")
        if not records_backup.known_revision(records.get("alembic_revision")):
            fail(f"备份的记录库迁移版本 {records.get('alembic_revision')} 不是本版本已知的版本"
                 "（备份来自更新的版本？），请用不低于备份时的版本恢复")
        records_backup.check_empty()
        seal = _conflicts(folder, manifest)

        click.echo(f"恢复记录库到 {db.display_url()}…")
        records_backup.load(folder / records["file"])
    for name, target in seal:
        _write_private(target, (folder / name).read_bytes())
        click.echo(f"已恢复 {'封存密钥' if name == SEAL_KEY else '链头文件'}：{target}")
    db.forget()
    before = records.get("alembic_revision")
    with failing_on(records_backup.BackupError):
        after = records_backup.revision()    # the first use brings the records to the newest migration
    click.echo(f"记录库迁移版本：{before}" + (f" → {after}（已升级到本版本）" if after != before else "（已是最新）"))
    for label, n in records_backup.counts().items():
        click.echo(f"  {label}：{n}")

    settings = manifest.get("settings", {})
    if with_settings:
        by_name = {s.name: s for s in settings_files()}
        for name in settings:
            s = by_name.get(name)
            if s is None:
                click.echo(f"  跳过 {name}：本版本不读取该设置文件")
                continue
            data = (folder / "settings" / name).read_bytes()
            if s.path.exists() and s.path.read_bytes() == data:
                click.echo(f"  {s.label}：{s.path} 与备份相同，未改动")
                continue
            s.path.parent.mkdir(parents=True, exist_ok=True)
            _replace(s.path, data, 0o600 if s.private else 0o644)
            click.echo(f"  已恢复{s.label}：{s.path}")
    elif settings:
        differing = [s for s in settings_files() if s.name in settings
                     and (not s.path.exists() or s.path.read_bytes() != (folder / "settings" / s.name).read_bytes())]
        click.echo("设置文件未恢复（需要时加 --with-settings）" +
                   (f"；与备份不同的：{'、'.join(f'{s.label}（{s.path}）' for s in differing)}" if differing else
                    "；本机设置与备份相同"))

    sources = json.loads((folder / manifest["sources"]).read_text(encoding="utf-8"))
    batches = sources.get("batches", [])
    if not batches:
        click.echo("备份时数据仓库没有导入记录；请导入数据文件：govdash ingest <文件或目录>")
        return
    click.echo(f"记录库已恢复。事实数据不在备份中，请按原来的顺序重新导入来源文件以重建数据仓库"
               f"（共 {len(batches)} 批）：")
    for i, batch in enumerate(batches, 1):
        paths = [f.get("path") or f.get("file") for f in batch["files"]]
        click.echo(f"  第 {i} 批（原导入于 {batch['started_at']}）：govdash ingest "
                   + " ".join(shlex.quote(p) for p in paths))
        for f in batch["files"]:
            state = _source_state(f)
            if state:
                click.echo(f"    注意：{f.get('path') or f.get('file')} {state}（SHA-256 {f.get('sha256')}）")
