from kazan.channels.providers.twilio.tests.conftest import (  # noqa: F401 (fixtures)
    fake_twilio,
    twilio_settings,
)
from kazan.channels.tests.conftest import platform_twilio  # noqa: F401 (fixture)
