"""Build Continuo's installable app for the OS this runs on: `python installers/build.py`.

Runs PyInstaller on installers/continuo.spec, then packages the result the way each OS expects:
Linux, the folder bundle plus a .tar.gz (with a .desktop file, the icon and an install script)
and an AppImage when `appimagetool` is on PATH; macOS, Continuo.app and a .dmg (hdiutil);
Windows, the folder plus a .zip, and a normal installer when Inno Setup's `iscc` is found.
The last line printed is one JSON object: what was built, how big it is, how long it took.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALLERS = ROOT / "installers"


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from studio import __version__

    return __version__


# The icon format each OS's packager wants; Qt writes all three (ICO holds up to 256 px).
ICON_FORMATS = {"linux": (".png", 512), "macos": (".icns", 512), "windows": (".ico", 256)}


def render_icon(out_dir: Path, system: str) -> Path:
    """Render the app logo (resources/icons/continuo.svg) to this OS's icon file with Qt."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    suffix, size = ICON_FORMATS[system]
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(ROOT / "resources" / "icons" / "continuo.svg")).render(painter)
    painter.end()
    out_dir.mkdir(parents=True, exist_ok=True)
    icon = out_dir / f"continuo{suffix}"
    if not image.save(str(icon)):
        raise SystemExit(f"build.py: could not write {icon}")
    return icon


def run_pyinstaller(dist: Path, work: Path, icon: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(INSTALLERS / "continuo.spec"),
         "--", "--icon", str(icon)],
        check=True, cwd=ROOT,
    )


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def strip_python(bundle: Path) -> None:
    """Strip debug symbols from the Python interpreter's own libraries (a pyenv-built libpython
    keeps ~20 MB of them). Not PyInstaller's strip option: that strips every library, and
    stripping auditwheel-repaired wheel libraries (numpy's OpenBLAS) makes them unloadable."""
    strip = shutil.which("strip")
    if strip is None:
        return
    internal = bundle / "_internal"
    ours = [*internal.glob("libpython3*.so*"), *internal.glob("python3*/lib-dynload/*.so")]
    subprocess.run([strip, "--strip-debug", *map(str, ours)], check=True)


def package_linux(dist: Path, icon: Path, name: str) -> list[Path]:
    bundle = dist / "continuo"
    strip_python(bundle)
    shutil.copy2(icon, bundle / "continuo.png")
    shutil.copy2(INSTALLERS / "linux" / "continuo.desktop", bundle / "continuo.desktop")
    shutil.copy2(INSTALLERS / "linux" / "install.sh", bundle / "install.sh")
    tarball = dist / f"{name}.tar.gz"
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:  # 9 is 2x slower for 1% less
        tar.add(bundle, arcname=name)
    artifacts = [tarball]
    tool = shutil.which("appimagetool")
    if tool is None:
        print("build.py: appimagetool is not on PATH, so no AppImage (the tarball is the download)",
              file=sys.stderr)
        return artifacts
    appdir = dist / "Continuo.AppDir"
    shutil.rmtree(appdir, ignore_errors=True)
    shutil.copytree(bundle, appdir / "usr" / "lib" / "continuo", symlinks=True)
    shutil.copy2(icon, appdir / "continuo.png")
    shutil.copy2(INSTALLERS / "linux" / "continuo.desktop", appdir / "continuo.desktop")
    (appdir / "AppRun").symlink_to("usr/lib/continuo/continuo")
    appimage = dist / f"{name}.AppImage"
    subprocess.run([tool, str(appdir), str(appimage)], check=True,
                   env={**os.environ, "ARCH": platform.machine()})
    return [*artifacts, appimage]


def package_macos(dist: Path, name: str) -> list[Path]:
    dmg = dist / f"{name}.dmg"
    subprocess.run(["bash", str(INSTALLERS / "macos" / "make_dmg.sh"), str(dist / "Continuo.app"), str(dmg)],
                   check=True)
    return [dmg]


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        candidate = Path(base or "") / "Inno Setup 6" / "ISCC.exe"
        if base and candidate.exists():
            return str(candidate)
    return None


def package_windows(dist: Path, name: str, icon: Path) -> list[Path]:
    archive = Path(shutil.make_archive(str(dist / name), "zip", dist, "continuo"))
    iscc = find_iscc()
    if iscc is None:
        print("build.py: Inno Setup (iscc) not found, so no setup.exe (the .zip is the download)",
              file=sys.stderr)
        return [archive]
    subprocess.run([iscc, f"/DAppVersion={version()}", f"/DSourceDir={dist / 'continuo'}",
                    f"/DOutputDir={dist}", f"/DSetupIcon={icon}",
                    str(INSTALLERS / "windows" / "continuo.iss")], check=True)
    return [archive, *sorted(dist.glob("continuo-*-setup.exe"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the app and archives go")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's scratch folder (reused: a second build is faster)")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}[sys.platform]
    name = f"continuo-{version()}-{system}-{platform.machine().lower()}"
    started = time.perf_counter()
    icon = render_icon(work / "icon", system)
    run_pyinstaller(dist, work, icon)
    built = time.perf_counter() - started
    bundle = dist / ("Continuo.app" if system == "macos" else "continuo")
    if system == "linux":
        artifacts = package_linux(dist, icon, name)
    elif system == "macos":
        artifacts = package_macos(dist, name)
    else:
        artifacts = package_windows(dist, name, icon)
    print(json.dumps({
        "bundle": str(bundle),
        "bundle_mb": round(folder_size(bundle) / 2**20, 1),
        "artifacts": {p.name: round(p.stat().st_size / 2**20, 1) for p in artifacts},
        "pyinstaller_s": round(built, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
