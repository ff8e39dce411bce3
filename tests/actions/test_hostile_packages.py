"""Packages built to hurt: links, Windows paths, sizes that lie, manifests no database stores.

Each is refused on the form with its reason and leaves nothing behind. Then any file at all,
random bytes or random archives of random names, is read or refused with a reason, never a
crash (the examples and their number come from the Hypothesis profile, tests/conftest.py).
"""

import html
import io
import json
import ntpath
import posixpath
import stat
import struct
import tracemalloc
import warnings
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from actions.models import Action
from actions.packages import InvalidPackage, read_package

from .conftest import MANIFEST, add_custom_action, zip_bytes

MANIFEST_JSON = json.dumps(MANIFEST)


def archive_of(*entries: tuple[zipfile.ZipInfo | str, bytes | str]) -> bytes:
    """A zip of ``entries`` as given: names may repeat, and a ZipInfo says how one is stored."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # zipfile warns of a repeated name, which is the point
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def link(name: str) -> zipfile.ZipInfo:
    """An entry that Unix unzip recreates as a symbolic link (the target is the entry's content)."""
    entry = zipfile.ZipInfo(name)
    entry.create_system = 3  # Unix
    entry.external_attr = (stat.S_IFLNK | 0o777) << 16
    return entry


def with_manifest(text: str) -> bytes:
    return zip_bytes({"manifest.json": text, "index.html": "<h1>Inspection</h1>"})


def claiming(content: bytes, name: str, file_size: int, *, crc: int | None = None) -> bytes:
    """The archive with ``name``'s unpacked size (and checksum) rewritten in both its headers."""
    data = bytearray(content)
    # The local header (signature PK\3\4) has the checksum at 14 and the size at 22; the
    # central directory's header (PK\1\2) has them at 16 and 24. Each is followed by the name.
    for signature, crc_at, size_at, name_at in ((b"PK\x03\x04", 14, 22, 30), (b"PK\x01\x02", 16, 24, 46)):
        header = data.find(signature)
        while data[header + name_at : header + name_at + len(name.encode())] != name.encode():
            header = data.find(signature, header + 1)
            assert header >= 0, f"no header names {name}"
        struct.pack_into("<I", data, header + size_at, file_size)
        if crc is not None:
            struct.pack_into("<I", data, header + crc_at, crc)
    return bytes(data)


def bzip2_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("manifest.json", MANIFEST_JSON)
    return buffer.getvalue()


def assert_refused(response, message, stored_files):
    assert response.status_code == 200
    assert response.context["form"].errors["package"] == [message]
    assert message in html.unescape(response.content.decode())
    assert not Action.objects.exists()
    assert stored_files() == []


UNSAFE_PATH = "The package contains a file with an unsafe path: "
TOO_DEEP = "manifest.json is not valid JSON (lists or objects nested more than 64 deep)."
BAD_NUMBER = "manifest.json is not valid JSON (it holds NaN, Infinity or a number too large to read)."

HOSTILE_PACKAGES = [
    (
        "link to /etc/passwd",
        archive_of(("manifest.json", MANIFEST_JSON), (link("users.txt"), "/etc/passwd")),
        "The package contains a link instead of a file: users.txt",
    ),
    ("drive letter", archive_of(("manifest.json", MANIFEST_JSON), ("C:/Windows/x", "x")), UNSAFE_PATH + "C:/Windows/x"),
    ("drive letter, no slash", archive_of(("manifest.json", MANIFEST_JSON), ("C:..\\x", "x")), UNSAFE_PATH + "C:..\\x"),
    (
        "backslashes",
        archive_of(("manifest.json", MANIFEST_JSON), ("..\\..\\etc\\cron.d\\x", "x")),
        UNSAFE_PATH + "..\\..\\etc\\cron.d\\x",
    ),
    (
        "absolute path",
        archive_of(("manifest.json", MANIFEST_JSON), ("/etc/cron.d/x", "x")),
        UNSAFE_PATH + "/etc/cron.d/x",
    ),
    (
        "two manifests",
        archive_of(("manifest.json", MANIFEST_JSON), ("manifest.json", '{"name": "Other", "version": "6.6.6"}')),
        "The package contains two files named manifest.json",
    ),
    ("bzip2", bzip2_archive(), "The package is compressed in a way this portal cannot read; zip it again."),
    (
        "a file smaller than it claims",
        claiming(with_manifest(MANIFEST_JSON), "index.html", 5000),
        "The package is damaged: its index.html does not unpack to the size the archive gives. Zip it again.",
    ),
    ("30,000 nested lists", with_manifest("[" * 30_000), TOO_DEEP),
    (
        "100 nested lists, closed",
        with_manifest('{"name": "x", "version": "1", "d": ' + "[" * 100 + "]" * 100 + "}"),
        TOO_DEEP,
    ),
    ("5,000-digit number", with_manifest('{"name": "x", "version": "1", "n": ' + "9" * 5000 + "}"), BAD_NUMBER),
    ("NaN", with_manifest('{"name": "x", "version": "1", "n": NaN}'), BAD_NUMBER),
    ("number past Infinity", with_manifest('{"name": "x", "version": "1", "n": -1e999}'), BAD_NUMBER),
    (
        "lone surrogate",
        with_manifest('{"name": "Inspection \\ud800", "version": "1.0"}'),
        "manifest.json holds half of a \\u escape pair (a lone surrogate); the file may be damaged.",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"), [c[1:] for c in HOSTILE_PACKAGES], ids=[c[0] for c in HOSTILE_PACKAGES]
)
def test_a_hostile_package_is_refused_with_its_reason_and_nothing_is_stored(
    client_for, member, stored_files, content, message
):
    response = add_custom_action(client_for(member), SimpleUploadedFile("inspection.zip", content))

    assert_refused(response, message, stored_files)


def sixty_megabytes_claiming_a_thousand_bytes(*, crc: int | None = None) -> bytes:
    honest = zip_bytes({"manifest.json": MANIFEST_JSON, "zeros.txt": b"0" * 60_000_000})  # about 60 KB zipped
    return claiming(honest, "zeros.txt", 1000, crc=crc)


@pytest.mark.parametrize("crc", [None, zlib.crc32(b"0" * 1000)], ids=["size rewritten", "size and checksum rewritten"])
def test_a_file_larger_than_it_claims_is_refused_after_reading_only_a_little(client_for, member, stored_files, crc):
    content = sixty_megabytes_claiming_a_thousand_bytes(crc=crc)
    # Python's zipfile believes the claim: it is the portal that must not.
    assert zipfile.ZipFile(io.BytesIO(content)).getinfo("zeros.txt").file_size == 1000
    client = client_for(member)

    tracemalloc.start()
    try:
        response = add_custom_action(client, SimpleUploadedFile("inspection.zip", content))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Unpacking stops one byte past the claim, where the checksum (of the claim) no longer matches.
    assert_refused(response, "The package is damaged: its zeros.txt cannot be unpacked. Zip it again.", stored_files)
    assert peak < 5_000_000, f"{peak:,} bytes at the peak: the 60 MB were unpacked"


def test_a_package_with_folders_and_stored_files_is_still_accepted(client_for, member, stored_files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", MANIFEST_JSON, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("assets/", b"")
        archive.writestr("assets/logo.png", bytes(range(256)) * 40, compress_type=zipfile.ZIP_STORED)
        archive.writestr("assets/app.js", "console.log('ok');\n" * 5000, compress_type=zipfile.ZIP_DEFLATED)

    response = add_custom_action(client_for(member), SimpleUploadedFile("inspection.zip", buffer.getvalue()))

    assert response.status_code == 302
    assert Action.objects.get().manifest == MANIFEST
    assert len(stored_files()) == 1


# Any file at all -----------------------------------------------------------------------------

safe_names = st.one_of(
    st.sampled_from(["index.html", "assets/", "assets/app.js", "./style.css", "Manifest.json", "ünïcødé/名前.txt"]),
    st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=20),
)
unsafe_names = st.sampled_from(
    [
        "..",
        "../x",
        "a/../../x",
        "..\\x",
        "a\\b",
        "\\\\server\\share\\x",
        "C:/Windows/x",
        "C:..\\x",
        "c:x",
        "/etc/passwd",
        "//server/x",
    ]
)
# Any character zipfile can write: no lone surrogates, and a NUL would end the name.
random_names = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=30)
entry_contents = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda byte, size: byte * size, st.binary(min_size=1, max_size=1), st.integers(0, 100_000)),
)


def json_values(*, finite: bool):
    numbers = st.integers() | st.floats(allow_nan=not finite, allow_infinity=not finite)
    return st.recursive(
        st.none() | st.booleans() | numbers | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=20,
    )


good_manifests = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=30).filter(str.strip),
        "version": st.sampled_from(["1", "1.0", "2.1.0", "1.0.0-beta.1"]),
    },
    optional={"description": st.text(max_size=50), "extra": json_values(finite=True)},
).map(json.dumps)
random_manifests = st.one_of(
    # json.dumps writes NaN and Infinity for such floats, as a careless tool would.
    st.fixed_dictionaries(
        {"name": json_values(finite=False), "version": st.sampled_from(["1.0", "x", "", 1.0])},
        optional={"description": json_values(finite=False)},
    ).map(json.dumps),
    json_values(finite=False).map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200),
    st.sampled_from(
        [
            "[" * 30_000,
            '{"name": "x", "version": "1", "n": ' + "9" * 5000 + "}",
            '{"name": "x", "version": "1", "d": ' + "{" * 70 + "}" * 70 + "}",
            '{"name": "\\udc00", "version": "1"}',
            '{"name": "x", "version": "1", "n": Infinity}',
            '{"name": "x\\u0000", "version": "1"}',
        ]
    ),
)
TWISTS = [
    "no manifest",
    "random manifest",
    "second manifest",
    "unsafe name",
    "random name",
    "link",
    "bzip2 or LZMA",
    "size rewritten",
    "bytes flipped",
    "cut short",
]


@st.composite
def archives(draw) -> bytes:
    """A package that would be accepted, then twisted: each of the TWISTS one time in five or so."""
    # One draw per twist: a list drawn from TWISTS comes out lopsided in a hundred examples.
    twists = [twist for twist in TWISTS if draw(st.integers(0, 4)) == 4]
    manifest = draw(random_manifests if "random manifest" in twists else good_manifests)
    entries = [] if "no manifest" in twists else [("manifest.json", manifest)]
    entries += draw(st.lists(st.tuples(safe_names, entry_contents), max_size=3, unique_by=lambda e: e[0]))
    if "second manifest" in twists:
        entries.append(("manifest.json", draw(random_manifests)))
    for kind, names in (("unsafe name", unsafe_names), ("random name", random_names)):
        if kind in twists:
            entries.append((draw(names), draw(entry_contents)))
    entries = draw(st.permutations(entries))
    twisted = draw(st.integers(0, max(len(entries) - 1, 0)))  # the entry made a link or oddly compressed
    compression = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # repeated names
        for at, (name, content) in enumerate(entries):
            entry = link(name) if "link" in twists and at == twisted else zipfile.ZipInfo(name)
            entry.compress_type = compression
            if "bzip2 or LZMA" in twists and at == twisted:
                entry.compress_type = draw(st.sampled_from([zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
            archive.writestr(entry, content)
    data = buffer.getvalue()
    if "size rewritten" in twists and entries:
        data = claiming(data, entries[twisted][0], draw(st.integers(0, 200_000)))
    data = bytearray(data)
    if "bytes flipped" in twists:
        for at in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            data[at] ^= draw(st.integers(1, 255))
    if "cut short" in twists:
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


any_file = st.one_of(
    archives(),
    archives(),
    st.binary(max_size=2000),
    st.binary(max_size=2000).map(lambda rest: b"PK\x03\x04" + rest),
)


def is_safe_path(name: str) -> bool:
    """Whether unpacking ``name`` anywhere, Unix or Windows, stays inside the folder unpacked into."""
    return (
        "\\" not in name
        and not ntpath.splitdrive(name)[0]
        and not posixpath.isabs(name)
        and posixpath.normpath(name).split("/")[0] != ".."
    )


@given(content=any_file)
def test_any_file_is_read_or_refused_with_a_reason(content):
    try:
        package = read_package(io.BytesIO(content), size=len(content))
    except InvalidPackage as refusal:
        assert str(refusal).strip()
        return
    # What is accepted is safe to hand out and can be stored as it is.
    entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    assert all(is_safe_path(entry.filename) and not stat.S_ISLNK(entry.external_attr >> 16) for entry in entries)
    assert package.name and package.version
    json.dumps(package.manifest, allow_nan=False).encode("utf-8")
