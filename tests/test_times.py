"""Times as the AWS CLI takes them: an age (15m, 2h, 1d), now, or ISO 8601, in UTC unless a zone is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actions.plan import Invalid
from actions.validate import moment

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("now", NOW), ("NOW", NOW), ("15m", NOW - timedelta(minutes=15)), ("2h", NOW - timedelta(hours=2)),
    ("1d", NOW - timedelta(days=1)), ("90s", NOW - timedelta(seconds=90)),
    ("2026-12-04T09:30:00Z", datetime(2026, 12, 4, 9, 30, tzinfo=UTC)),
    ("2026-12-04T09:30", datetime(2026, 12, 4, 9, 30, tzinfo=UTC)),  # no zone: UTC
    ("2026-12-04T10:30:00+01:00", datetime(2026, 12, 4, 9, 30, tzinfo=UTC)),
    ("2026-12-04", datetime(2026, 12, 4, tzinfo=UTC)),
])
def test_moments(text, expected):
    assert moment("--since", text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-12-04T25:00", "15 minutes", ""])
def test_a_time_that_is_none_of_these_is_refused_naming_the_option(text):
    with pytest.raises(Invalid) as refused:
        moment("--until", text, NOW)
    assert refused.value.field == "--until"
