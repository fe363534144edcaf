"""The booking blueprint; its routes live in views.py, feed_views.py and report_views.py."""
from flask import Blueprint

bp = Blueprint('booking', __name__)
