from kazan.channels.providers.twilio.tests.conftest import (  # noqa: F401 (fixtures)
    fake_twilio,
    platform_twilio,
    twilio_settings,
)
