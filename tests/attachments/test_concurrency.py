"""Uploads to one record at once: together they never pass its limits, and the refused leave no file."""
import threading
import time

import sqlalchemy as sa

from incubator.attachments import operations, storage
from incubator.attachments.models import Attachment
from incubator.auth.models import User
from incubator.core.errors import DomainError
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.startups.models import Startup
from tests.attachments.conftest import PDF, stored_files, upload

THREADS = 6


def test_simultaneous_uploads_never_exceed_the_count(app, world, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, 'ATTACHMENTS_MAX_FILES', 3)
    write = storage.write

    def slow_write(stream, stored_name):
        """A slow disk: the others check the count while this one has not flushed its row yet."""
        time.sleep(0.3)
        return write(stream, stored_name)

    monkeypatch.setattr(storage, 'write', slow_write)
    startup_id, user_id = world.startup.id, world.member.id
    db.session.commit()
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def run(index):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with transaction():
                    operations.attach_files(db.session.get(Startup, startup_id), [upload(PDF, f'{index}.pdf')],
                                            user=db.session.get(User, user_id))
                results[index] = 'stored'
            except DomainError as error:
                results[index] = error.code
            except BaseException as error:  # noqa: BLE001 (reported to the test)
                barrier.abort()
                results[index] = error
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    db.session.commit()
    assert sorted(results, key=str) == ['attachments.too_many_files'] * 3 + ['stored'] * 3, results
    names = db.session.execute(sa.select(Attachment.stored_name)).scalars().all()
    assert sorted(names) == stored_files(files_dir)
