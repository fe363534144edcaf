"""Startups stand in for the records that will own evidence files: a real table and a real permission rule."""
import io
import struct
import zipfile
import zlib

import pytest
from werkzeug.datastructures import FileStorage

from incubator.attachments import registry
from incubator.startups.models import Startup, StartupStatus
from tests.factories import StartupFactory, UserFactory, member_of

KIND = 'test_startup'


@pytest.fixture
def files_dir(app, tmp_path):
    """Each test keeps its files in a folder of its own."""
    folder = tmp_path / 'attachments'
    previous = app.config['ATTACHMENTS_DIR']
    app.config['ATTACHMENTS_DIR'] = str(folder)
    yield folder
    app.config['ATTACHMENTS_DIR'] = previous


@pytest.fixture
def startup_owner(app, files_dir):
    """Startups own attachments: seen by 'startup.view', removed by 'startup.manage_members', locked once graduated."""
    registry.register_owner(Startup, kind=KIND, view_permission='startup.view',
                            remove_permission='startup.manage_members',
                            is_locked=lambda startup: startup.status != StartupStatus.incubating)
    yield
    registry.unregister_owner(KIND)


class World:
    def __init__(self):
        self.startup = StartupFactory(name='Lanting Robotics')
        self.other = StartupFactory(name='Other Startup')
        self.owner = member_of(self.startup, role='owner', name='Owner')
        self.member = member_of(self.startup, name='Member')
        self.stranger = member_of(self.other, role='owner', name='Stranger')
        self.manager = UserFactory(name='Manager', roles=['manager'])


@pytest.fixture
def world(startup_owner):
    return World()


def stored_files(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def upload(data, name, content_type='application/octet-stream'):
    """What the browser sends: its content type is ignored."""
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def _png():
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)
    header = struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(b'\x00\xff\x00\x00'))
            + chunk(b'IEND', b''))


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
PDF = b'%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n'
PNG = _png()
JPEG = (b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' + b'\xff\xdb\x00\x43\x00' + bytes(64)
        + b'\xff\xd9')
DOCX = _zip({'[Content_Types].xml': CONTENT_TYPES, '_rels/.rels': '<Relationships/>',
             'word/document.xml': '<w:document/>'})
XLSX = _zip({'[Content_Types].xml': CONTENT_TYPES, '_rels/.rels': '<Relationships/>', 'xl/workbook.xml': '<workbook/>'})
DOC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + bytes(504) + b'\xec\xa5\xc1\x00' + bytes(600)
TEXT = '二〇二六年第四季度项目进展：样机完成。\nQ4 progress: prototype done.\n'.encode()
GB_TEXT = '项目进展报告'.encode('gb18030')
ZIP = _zip({'data/readme.txt': 'measurements', 'data/values.csv': '1,2,3'})
EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' + bytes(48) + b'PE\x00\x00' + bytes(200)
HTML = b'<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
