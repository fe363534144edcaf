"""The decision letter: rendered once, when issued, and kept as issued (``DecisionLetter.html``).

``templates/cases/letter.html`` is the letter's body only; the page that shows or prints an issued letter
(``cases/letter_page.html``) wraps the frozen HTML, so a later change of either template leaves issued letters
as they were. The A4 print layout belongs to ``static/css`` (a print stylesheet), not here.
"""
from flask import current_app, render_template
from flask_babel import force_locale

from incubator.cases.queries import decision_of_round
from incubator.committees.queries import tally_of


def render_letter(case, round, language):
    """The HTML of ``case``'s decision letter for ``round`` in ``language`` ('zh_Hans_CN' or 'en')."""
    decision = decision_of_round(case, round)
    with force_locale(language):
        return render_template('cases/letter.html', case=case, round=round, decision=decision,
                               tally=tally_of(decision) if decision is not None else None,
                               letter=next((letter for letter in case.letters
                                            if letter.round == round and letter.language == language), None),
                               appeal_days=current_app.config['CASE_APPEAL_WORKING_DAYS'])
