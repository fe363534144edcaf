"""The upload field domains put in their forms; the checks themselves run in ``operations.attach_files``."""
from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField

from incubator.attachments import limits


class EvidenceField(MultipleFileField):
    """Several evidence files at once. Its form needs ``enctype="multipart/form-data"``; render it with the
    ``evidence_input`` macro, which shows what is accepted. A view passes ``field.data`` to ``attach_files``
    and shows the message of the ``DomainError`` it may raise."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label if label is not None else _l('Evidence files'), validators, **kwargs)

    def __call__(self, **kwargs):
        kwargs.setdefault('accept', limits.accept_attribute())
        return super().__call__(**kwargs)
