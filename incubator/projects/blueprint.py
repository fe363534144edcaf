"""The projects blueprint; its routes live in views.py."""
from flask import Blueprint

bp = Blueprint('projects', __name__)
