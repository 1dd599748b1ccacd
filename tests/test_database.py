import pytest
from django.db import connection


@pytest.mark.postgres
def test_postgresql_is_reached_through_psycopg_3(db):
    assert connection.Database.__name__ == "psycopg"
    assert connection.Database.__version__.startswith("3.")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000
