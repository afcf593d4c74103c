import pytest

from landreg import roles
from landreg.services import user_create
from townships import services as township_services


@pytest.fixture
def plots(township, frame):
    return [
        township_services.plot_create(
            township=township,
            block=township.block_a,
            number=str(i),
            geom=frame.rect(i * 20, 0, 20, 25),
            status="available",
        )
        for i in range(3)
    ]


@pytest.fixture
def field_officer(users, provinces):
    return user_create(
        username="field.n", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["nangarhar"]]
    )
