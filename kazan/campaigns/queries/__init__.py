"""Read use-cases for campaigns, links and reminders; every one takes the business. One module
per subject; the names are re-exported here, so callers import from `kazan.campaigns.queries`."""

from kazan.campaigns.queries.campaigns import (
    HourRow,
    audience_count,
    audience_customers,
    best_hours,
    campaign_audience,
    campaign_choices,
    campaign_get,
    campaign_list,
    campaign_recipient_exists,
    offers_allowed,
    recipients_consenting,
    test_phone_of,
    unscoped_campaigns_due,
    unscoped_link_find,
)
from kazan.campaigns.queries.estimate import (
    SAMPLE_NAME,
    Estimate,
    EstimateGroup,
    campaign_estimate,
)
from kazan.campaigns.queries.reminders import (
    RemindersOfDay,
    reminded_on,
    reminder_candidates,
    reminder_rule_get,
    reminders_recent,
    unscoped_reminder_rules_enabled,
)

__all__ = [
    "SAMPLE_NAME",
    "Estimate",
    "EstimateGroup",
    "HourRow",
    "RemindersOfDay",
    "audience_count",
    "audience_customers",
    "best_hours",
    "campaign_audience",
    "campaign_choices",
    "campaign_estimate",
    "campaign_get",
    "campaign_list",
    "campaign_recipient_exists",
    "offers_allowed",
    "recipients_consenting",
    "reminded_on",
    "reminder_candidates",
    "reminder_rule_get",
    "reminders_recent",
    "test_phone_of",
    "unscoped_campaigns_due",
    "unscoped_link_find",
    "unscoped_reminder_rules_enabled",
]
