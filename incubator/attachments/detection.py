"""What a file is, from its bytes (filetype, and zipfile for the zip containers), never from the browser.

A file's extension may not claim another kind than its bytes: an ``.exe`` is not a PDF, and a PDF
named ``.png`` is refused too, since whoever opens it would be misled.
"""
import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype

#: The kinds an installation may allow (``ATTACHMENTS_ALLOWED``), with the extensions that claim each.
EXTENSIONS = {
    'pdf': {'pdf'},
    'image': {'png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'tif', 'tiff', 'heic'},
    'office': {'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp'},
    'text': {'txt', 'csv', 'md'},
    'zip': {'zip'},
}
_IMAGE_TYPES = {'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff', 'image/heic'}
_OLE_TYPES = {'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint',
              'application/x-ole-storage'}
_OFFICE_XML = {
    'word/': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'xl/': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'ppt/': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
}
#: Legacy doc, xls and ppt are OLE compound files; filetype names only some of them.
_OLE_SIGNATURE = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
_OPEN_DOCUMENT = {'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
                  'application/vnd.oasis.opendocument.presentation'}
#: Markup is not plain text: a browser or viewer would run what it holds.
_MARKUP_STARTS = ('<!doctype', '<html', '<svg', '<?xml', '<script', '<head', '<body', '<iframe')
_HEAD_BYTES = 8192
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Detected:
    kind: str | None       # one of EXTENSIONS' keys, or None: nothing we accept
    content_type: str | None


def extension_of(filename):
    suffix = PurePath(filename or '').suffix
    return suffix[1:].lower() if suffix else ''


def kind_claimed_by(filename):
    """The kind the name's extension claims, '' without an extension, None for an extension of no allowed kind."""
    extension = extension_of(filename)
    if not extension:
        return ''
    return next((kind for kind, extensions in EXTENSIONS.items() if extension in extensions), None)


def detect(stream):
    """What the bytes of ``stream`` (seekable; read from its start, left at its start) are."""
    stream.seek(0)
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    if mime == 'application/pdf':
        return Detected('pdf', mime)
    if mime in _IMAGE_TYPES:
        return Detected('image', mime)
    if mime in _OLE_TYPES or head.startswith(_OLE_SIGNATURE):
        return Detected('office', mime or 'application/x-ole-storage')
    if head.startswith(b'PK\x03\x04'):
        return _zip_container(stream)
    if guess is None and _is_plain_text(stream):
        return Detected('text', 'text/plain')
    return Detected(None, mime)


def _zip_container(stream):
    """A zip, or the Office document it holds (OOXML has ``[Content_Types].xml``, OpenDocument a ``mimetype``)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if '[Content_Types].xml' in names:
                for prefix, mime in _OFFICE_XML.items():
                    if any(name.startswith(prefix) for name in names):
                        return Detected('office', mime)
            if 'mimetype' in names:
                mime = archive.read('mimetype')[:100].decode('ascii', 'replace').strip()
                if mime in _OPEN_DOCUMENT:
                    return Detected('office', mime)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return Detected(None, 'application/zip')
    finally:
        stream.seek(0)
    return Detected('zip', 'application/zip')


def _is_plain_text(stream):
    """UTF-8 (or else GB18030) throughout, with no NUL and no markup at its start."""
    for encoding in ('utf-8-sig', 'gb18030'):
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        start = ''
        try:
            while chunk := stream.read(_CHUNK):
                if b'\x00' in chunk:
                    return False
                text = decoder.decode(chunk)
                if len(start) < 100:
                    start += text[:100]
            decoder.decode(b'', final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        return not start.lstrip().lower().startswith(_MARKUP_STARTS)
    return False
