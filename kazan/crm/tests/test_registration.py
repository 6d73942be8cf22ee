"""UC-001 in dialog form: a Telegram user registers customer profiles with the bot — every
question validated, optional ones skipped, Back and Edit before Confirm, the answers kept
between sessions, the data-processing consent recorded with its wording, several profiles."""

import pytest
from django.db import connection

from kazan.conversations.models import ConversationSession
from kazan.crm.tests.dialog import Dialog
from kazan.customers.models import ConsentRecord, CustomerProfile
from kazan.customers.queries import customer_profiles, profile_data

pytestmark = pytest.mark.django_db

ANSWERS = [
    ("first_name", "say", "Anna"),
    ("middle_name", "press", "skip"),
    ("last_name", "say", "O'Neil-Smith"),
    ("phone_e164", "say", "(212) 555-0123"),
    ("email", "say", "Anna@Example.com"),
    ("gender", "press", "female"),
    ("date_of_birth", "say", "1990-04-25"),
    ("street", "say", "350 Fifth Avenue"),
    ("apartment", "say", "Apt 5B"),
    ("city", "say", "New York"),
]


def _until_state(dialog):
    dialog.say("/register")
    for _field, how, value in ANSWERS:
        getattr(dialog, how)(value)


def _state_pick(dialog, code):
    """Pages through the state buttons (12 a page) until `code` shows, then presses it."""
    for _page in range(6):
        if code in dialog.buttons:
            return dialog.press(code)
        dialog.press("page_next")
    raise AssertionError(f"{code} never shown")


def _summary(dialog):
    _until_state(dialog)
    _state_pick(dialog, "NY")
    dialog.say("10001")
    dialog.press("usa")
    dialog.press("skip")  # Telegram
    dialog.say("@anna.ny")
    dialog.say("s3cret-Passw0rd")
    assert "Please check the profile" in dialog.text


def _register(dialog, *, consent=True):
    _summary(dialog)
    dialog.press("confirm")
    if consent:
        dialog.press("agree")


def test_a_telegram_user_registers_a_profile_step_by_step(business):
    # Given a business with the Telegram CRM, when a new Telegram user sends /start
    dialog = Dialog(business)
    dialog.say("/start")
    # then the main menu offers the six entries
    assert dialog.buttons == ["register", "order", "tokens", "balance", "orders", "help"]
    dialog.press("register")
    assert "What is the first name?" in dialog.text
    for _field, how, value in ANSWERS:
        getattr(dialog, how)(value)
    # the state question pages the 50 states and DC, 12 a page with ◀ ▶
    page = dialog.choices_reply()
    assert page["edit"] is True
    assert [c["value"] for c in page["choices"]][:12] == list(
        ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI"]
    )
    assert "page_next" in dialog.buttons and "page_prev" not in dialog.buttons
    _state_pick(dialog, "NY")
    assert "ZIP code" in dialog.text
    dialog.say("10001")
    dialog.press("usa")
    dialog.press("skip")
    dialog.say("@Anna.NY")
    dialog.say("s3cret-Passw0rd")
    summary = dialog.text
    assert "First name: Anna" in summary
    assert "Middle name: —" in summary
    assert "Phone: +12125550123" in summary
    assert "Email: anna@example.com" in summary
    assert "Gender: Female" in summary
    assert "State: New York" in summary
    assert "Country: United States" in summary
    assert "Instagram: @anna.ny" in summary
    assert "s3cret" not in summary  # the password is never shown
    dialog.press("confirm")
    # the consent is asked before anything is saved
    assert "Do you agree?" in dialog.text
    assert not CustomerProfile.objects.exists()
    dialog.press("agree")
    assert "profile of Anna O'Neil-Smith is saved" in dialog.text

    customer = dialog.conversation.customer
    [profile] = customer_profiles(business=business, customer=customer)
    assert profile_data(profile) == {
        "first_name": "Anna",
        "middle_name": "",
        "last_name": "O'Neil-Smith",
        "phone_e164": "+12125550123",
        "email": "anna@example.com",
        "gender": "female",
        "date_of_birth": "1990-04-25",
        "street": "350 Fifth Avenue",
        "apartment": "Apt 5B",
        "city": "New York",
        "state": "NY",
        "postal_code": "10001",
        "country": "US",
        "telegram_username": "",
        "instagram_username": "anna.ny",
        "password": "s3cret-Passw0rd",
    }
    # the personal data is encrypted at rest, and the state keeps no draft
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, address, password, phone_e164, date_of_birth"
            " FROM customers_customerprofile"
        )
        stored = " ".join(cursor.fetchone())
    for plain in ("anna@", "Fifth", "s3cret", "555", "1990"):
        assert plain not in stored
    assert not any(key.startswith("reg_") for key in dialog.conversation.session.state)


def test_the_consent_is_recorded_with_the_wording_shown_and_asked_once(business):
    dialog = Dialog(business)
    _register(dialog)
    customer = dialog.conversation.customer
    [record] = ConsentRecord.objects.filter(customer=customer)
    assert record.purpose == "data_processing" and record.granted
    assert record.channel == "telegram"
    assert record.wording.text.startswith(f"Privacy: {business.name} stores this profile")
    assert record.wording.language == "en"
    # a second profile does not ask again
    _until_state(dialog)
    _state_pick(dialog, "CA")
    dialog.say("90210")
    dialog.press("usa")
    dialog.press("skip")
    dialog.press("skip")
    dialog.press("skip")
    dialog.press("confirm")
    assert "Do you agree?" not in dialog.text
    assert "is saved" in dialog.text
    assert ConsentRecord.objects.filter(customer=customer).count() == 1
    assert len(customer_profiles(business=business, customer=customer)) == 2


def test_declining_the_consent_saves_nothing_and_keeps_the_answers(business):
    dialog = Dialog(business)
    _register(dialog, consent=False)
    dialog.press("decline")
    assert "Without your consent" in dialog.text
    assert not CustomerProfile.objects.exists()
    dialog.say("/register")
    assert dialog.buttons == ["continue", "restart"]
    dialog.press("continue")
    assert "Please check the profile" in dialog.text  # every answer is still there


@pytest.mark.parametrize(
    ("answers", "bad", "message"),
    [
        ([], "Anna99", "only letters"),
        ([("say", "Anna"), ("press", "skip"), ("say", "Smith")], "12345", "not a valid phone"),
        (
            [("say", "Anna"), ("press", "skip"), ("say", "Smith"), ("say", "2125550123")],
            "anna@",
            "not a valid email",
        ),
        (
            [
                ("say", "Anna"),
                ("press", "skip"),
                ("say", "Smith"),
                ("say", "2125550123"),
                ("say", "a@example.com"),
                ("press", "male"),
            ],
            "2999-01-01",
            "must be in the past",
        ),
        (
            [
                ("say", "Anna"),
                ("press", "skip"),
                ("say", "Smith"),
                ("say", "2125550123"),
                ("say", "a@example.com"),
                ("press", "male"),
            ],
            "25 April",
            "like 1990-04-25",
        ),
    ],
)
def test_each_question_refuses_a_bad_answer_with_a_clear_message(business, answers, bad, message):
    dialog = Dialog(business)
    dialog.say("/register")
    for how, value in answers:
        getattr(dialog, how)(value)
    step = dialog.step
    dialog.say(bad)
    assert dialog.errors and message in dialog.errors[0]
    assert dialog.step == step  # the same question again


def test_a_zip_code_must_lie_in_the_chosen_state(business):
    dialog = Dialog(business)
    _until_state(dialog)
    _state_pick(dialog, "CA")
    dialog.say("10001")  # Manhattan
    assert dialog.errors == ["This ZIP code is not in California."]
    dialog.say("00000")
    assert dialog.errors == ["This ZIP code does not exist."]
    dialog.say("90210")
    assert "country" in dialog.text


def test_back_returns_to_the_previous_question_and_a_typed_skip_skips(business):
    dialog = Dialog(business)
    dialog.say("/register")
    dialog.say("Anna")
    assert "back" in dialog.buttons and "skip" in dialog.buttons
    dialog.press("back")
    assert "What is the first name?" in dialog.text
    dialog.say("Anne")
    dialog.say("Skip")  # typed, as on a phone keyboard
    assert "The last name?" in dialog.text
    dialog.press("back")
    dialog.say("Marie")
    dialog.say("Smith")
    summary_state = dialog.conversation.session.state
    dialog.conversation.session.refresh_from_db()
    assert summary_state is not None
    assert "The phone number?" in dialog.text


def test_edit_on_the_summary_changes_one_answer_and_returns_to_the_summary(business):
    dialog = Dialog(business)
    _summary(dialog)
    assert "page_next" in dialog.buttons  # the edits continue on the next page
    dialog.press("edit_email")
    assert "The email address?" in dialog.text
    dialog.say("new@example.com")
    assert "Email: new@example.com" in dialog.text
    assert "Please check the profile" in dialog.text
    # editing the state asks again for a ZIP code that lies in it when saving
    dialog.press("page_next")
    dialog.press("edit_state")
    _state_pick(dialog, "CA")
    assert "State: California" in dialog.text
    dialog.press("confirm")
    dialog.press("agree")
    assert dialog.errors == ["ZIP code: This ZIP code is not in California."]
    dialog.say("94103")
    assert "ZIP code: 94103" in dialog.text  # back on the summary
    dialog.press("confirm")
    dialog.press("agree")  # nothing was saved yet: the consent is asked with the new data
    assert "is saved" in dialog.text
    [profile] = CustomerProfile.objects.all()
    assert profile_data(profile)["email"] == "new@example.com"
    assert profile_data(profile)["postal_code"] == "94103"


def test_the_telegram_username_is_offered_when_telegram_gave_it(business):
    dialog = Dialog(business, username="anna_ny")
    _until_state(dialog)
    _state_pick(dialog, "NY")
    dialog.say("10001")
    dialog.press("usa")
    assert "Use @anna_ny" in str(dialog.replies)
    dialog.press("mine")
    assert "Instagram" in dialog.text
    dialog.press("skip")
    dialog.press("generate")
    assert "generated a strong password" in dialog.text
    assert "Telegram: @anna_ny" in dialog.text
    assert "Password: ••••••••" in dialog.text
    dialog.press("confirm")
    dialog.press("agree")
    [profile] = CustomerProfile.objects.all()
    password = profile_data(profile)["password"]
    assert len(password) == 16 and profile.telegram_username == "anna_ny"


def test_progress_survives_a_new_session_and_register_offers_to_resume(business):
    dialog = Dialog(business)
    dialog.say("/register")
    dialog.say("Anna")
    dialog.press("skip")
    # days later the customer comes back with another command, then /register
    dialog.say("/balance")
    assert "Your balance" in dialog.text
    dialog.say("/register")
    assert "registration in progress" in dialog.text
    dialog.press("continue")
    assert "The last name?" in dialog.text
    dialog.say("Smith")
    # a restart of the server loses nothing: every turn reads the session from the database
    assert ConversationSession.objects.filter(conversation=dialog.conversation).count() == 3
    dialog.say("/register")
    dialog.press("restart")
    assert "What is the first name?" in dialog.text
    dialog.say("Bob")
    dialog.say("/register")
    dialog.press("continue")
    assert "The middle name?" in dialog.text  # Anna's answers are gone


def test_commands_work_in_the_middle_of_a_question(business):
    dialog = Dialog(business)
    dialog.say("/register")
    dialog.say("Anna")
    dialog.say("/help")
    assert "/order — place an order" in dialog.text
    assert dialog.buttons == ["person", "menu"]
    dialog.say("/start")
    assert "What would you like to do?" in dialog.text
    dialog.say("MENU")
    assert "What would you like to do?" in dialog.text


def test_help_hands_the_customer_to_the_team(business):
    dialog = Dialog(business)
    dialog.say("/help")
    dialog.press("person")
    assert "passed you to our team" in dialog.text
    dialog.conversation.refresh_from_db()
    assert dialog.conversation.status == "open"


def test_the_bot_answers_in_the_customers_language(business):
    # Given a German-speaking Telegram user (new texts get their translations at the merge;
    # these already have them)
    dialog = Dialog(business, language="de")
    dialog.say("/register")
    dialog.say("Anna")
    skip = next(r for r in dialog.replies if r["type"] == "input")["commands"][0]
    assert skip == {"value": "skip", "label": "Überspringen"}
    dialog.say("Überspringen")  # the translated label typed skips too
    dialog.say("Smith")
    dialog.say("2125550123")
    dialog.say("anna@")
    assert dialog.errors == ["Das ist keine gültige E-Mail-Adresse."]
