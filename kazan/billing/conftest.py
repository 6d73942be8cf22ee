import importlib

import pytest
from django.apps import apps


@pytest.fixture
def packages(db):
    """The seeded catalog (again: transactional tests flush what the data migration made)."""
    from kazan.billing.models import SmsPackage

    seed = importlib.import_module("kazan.billing.migrations.0002_seed_packages")
    seed.seed(apps, None)
    return {package.key: package for package in SmsPackage.objects.all()}
