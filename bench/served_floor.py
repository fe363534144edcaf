"""The floor of ``bench/served.py``: bare Flask and SQLAlchemy on the same database, served the same way.

``/read`` runs one indexed SELECT (a booking by its primary key), ``/write`` one INSERT and its commit.
Whatever the real app costs beyond these is its own pipeline: sessions, users, forms, templates.
"""
import os
import random

import sqlalchemy as sa
from flask import Flask

engine = sa.create_engine(os.environ['DATABASE_URL'])  # the defaults: what a bare app does
with engine.connect() as connection:
    highest = connection.execute(sa.text('SELECT max(id) FROM bookings')).scalar() or 1

app = Flask(__name__)


@app.get('/read')
def read():
    with engine.connect() as connection:
        row = connection.execute(sa.text('SELECT id, start_at, status FROM bookings WHERE id = :id'),
                                 {'id': random.randint(1, highest)}).first()
    return f'<p>{row.id if row else "-"} {row.start_at if row else ""} {row.status if row else ""}</p>'


@app.post('/write')
def write():
    with engine.begin() as connection:
        new_id = connection.execute(sa.text('INSERT INTO bench_floor_writes (note) VALUES (:note) RETURNING id'),
                                    {'note': 'floor'}).scalar()
    return f'<p>{new_id}</p>', 201
