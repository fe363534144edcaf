"""The payments blueprint; its routes live in views.py (paying, Stripe) and record_views.py (records, fapiao)."""
from flask import Blueprint

bp = Blueprint('payments', __name__)
