"""Submissions and decisions at the same moment: the milestone's row lock lets exactly one through; milestones
added at once all count in their project's stored health inputs."""
import threading
from datetime import date

import sqlalchemy as sa

from incubator.auth.models import User
from incubator.core.errors import DomainError
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.latest import health_inputs_from_sources
from incubator.projects.models import KpiKind, Milestone, MilestoneState, ProgressSubmission, Project, SubmissionState
from tests.projects.conftest import figures_for

THREADS = 4


def race(app, milestone_id, user_ids, act):
    """Run ``act(milestone, user, index)`` in one transaction per thread, all released at once; the outcomes."""
    barrier = threading.Barrier(len(user_ids))
    results = [None] * len(user_ids)

    def run(index):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with transaction():
                    act(db.session.get(Milestone, milestone_id), db.session.get(User, user_ids[index]), index)
                results[index] = 'done'
            except DomainError as error:
                results[index] = error.code
            except BaseException as error:  # noqa: BLE001 (reported to the test)
                barrier.abort()
                results[index] = error
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(index,)) for index in range(len(user_ids))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return results


def test_simultaneous_submissions_and_decisions(app, world):
    milestone_id = world.milestone.id
    startup_people = [world.owner.id, world.member.id] * (THREADS // 2)
    staff = [world.manager.id, world.admin.id] * (THREADS // 2)
    db.session.commit()

    def submit(milestone, user, index):
        operations.submit_progress(user, milestone, figures=figures_for(milestone, index, index),
                                   narrative=f'Report {index}')

    submitted = race(app, milestone_id, startup_people, submit)
    assert sorted(submitted) == ['done'] + ['projects.already_submitted'] * (THREADS - 1), submitted

    def decide(milestone, user, index):
        operations.decide_milestone(user, milestone, 'accept' if index % 2 else 'reject', 'Decided')

    decided = race(app, milestone_id, staff, decide)
    assert decided.count('done') == 1, decided
    assert set(decided) - {'done'} <= {'projects.milestone_accepted', 'projects.wrong_state'}, decided
    db.session.expire_all()
    [submission] = db.session.execute(sa.select(ProgressSubmission)).scalars().all()
    milestone = db.session.get(Milestone, milestone_id)
    assert (submission.state, milestone.state) in {(SubmissionState.accepted, MilestoneState.accepted),
                                                   (SubmissionState.rejected, MilestoneState.in_progress)}


def test_milestones_added_at_the_same_moment_all_count_in_the_projects_health_inputs(app, world):
    """Each transaction locks the project row before recomputing its inputs, so the last to commit sees every
    milestone the others committed meanwhile."""
    project_id, milestone_id = world.project.id, world.milestone.id
    staff = [world.manager.id, world.admin.id] * (THREADS // 2)
    db.session.commit()

    def add(milestone, user, index):
        operations.add_milestone(user, milestone.project, title=f'Step {index}', due_date=date(2026, 2, 1 + index),
                                 targets=[(KpiKind.hires, 10, None, None)])

    assert race(app, milestone_id, staff, add) == ['done'] * THREADS
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    assert (project.first_open_due_on, project.second_open_due_on) == (date(2026, 2, 1), date(2026, 2, 2))
    assert project.kpi_share == 0.0
    stored = db.session.execute(sa.select(Project.kpi_share, Project.first_open_due_on, Project.second_open_due_on)
                                .where(Project.id == project_id)).one()._tuple()
    assert stored == {row[0]: tuple(row[1:]) for row in db.session.execute(health_inputs_from_sources())}[project_id]
