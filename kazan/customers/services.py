"""Write use-cases for customers, their channel identities, the consent ledger and data-subject
requests. Each takes the business first, runs in one transaction and records activity without
personal data (ids, channels and purposes only — never names, phones, emails or IPs)."""

import ipaddress
import re

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.core.gdpr import gdpr_sections
from kazan.customers.emails import email_index_for, email_normalize
from kazan.customers.identities import (
    external_id_normalize,
    identity_channel_valid,
    identity_index_for,
)
from kazan.customers.models import ChannelIdentity, ConsentRecord, ConsentWording, Customer, Tag
from kazan.customers.normalize import (
    TAGS_MAX,
    language_normalize,
    name_normalize,
    tags_normalize,
)
from kazan.customers.phones import phone_index_for, phone_normalize, phone_suffix_index_for
from kazan.customers.queries import consent_is_granted, purpose_valid

EXPORT_FORMAT = "kazan.customer-export/1"
ERASURE_CHANNEL = "erasure"
USER_AGENT_MAX_LENGTH = 400
_CHANNEL = re.compile(r"^[a-z0-9_.:-]{1,32}$")


# --- guards ------------------------------------------------------------------------------------


def _in_business(business, customer: Customer) -> None:
    """Fails closed: a customer object of another business is "not found" here."""
    if customer.business_id != business.pk:
        raise NotFound(_("This customer does not exist."))


def _not_erased(customer: Customer) -> None:
    if customer.erased_at is not None:
        raise Conflict(_("This customer's data has been erased."), code="erased")


def _customer_locked(business, customer: Customer) -> Customer:
    """The customer's row, locked for this transaction and checked live (not the caller's copy).

    customer_erase takes the same lock, so nothing is attached to a customer after erasure.
    """
    current = Customer.objects.select_for_update().filter(business=business, pk=customer.pk).first()
    if current is None:
        raise NotFound(_("This customer does not exist."))
    _not_erased(current)
    return current


def _channel_valid(channel: str) -> str:
    """Where something happened: web, sms, whatsapp, telegram, dashboard, api, erasure…"""
    if not isinstance(channel, str) or not _CHANNEL.match(channel):
        raise ValidationFailed(_("Unknown channel."), code="invalid_channel")
    return channel


def _ip_valid(ip: str) -> str:
    text = (ip or "").strip()
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValidationFailed(_("This is not a valid IP address."), code="invalid_ip") from None


def _user_agent_clean(user_agent: str) -> str:
    # Headers are attacker-controlled: keep printable characters only, bounded.
    text = "".join(ch for ch in (user_agent or "") if ch.isprintable())
    return text.strip()[:USER_AGENT_MAX_LENGTH]


def _actor_kind(actor, actor_kind: str | None, default: str) -> str | None:
    """Without a signed-in user, who acted: the customer themselves, an API key, the system."""
    if actor_kind:
        return actor_kind
    return None if getattr(actor, "is_authenticated", False) else default


# --- customers ---------------------------------------------------------------------------------


def _find_by_phone_index(business, index: str) -> Customer | None:
    return Customer.objects.filter(business=business, phone_index=index).first()


def customer_get_or_create_by_phone(
    *,
    business,
    phone: str,
    name: str = "",
    language: str = "",
    channel: str,
    actor=None,
    actor_kind: str | None = None,
) -> tuple[Customer, bool]:
    """The business's customer with this phone, created if new; returns (customer, created).

    One indexed query finds an existing customer. Two requests racing to create the same one
    both pass the look-up; the unique (business, phone_index) constraint lets one insert win and
    the other's IntegrityError (inside a savepoint) turns into a fetch of the winner. An existing
    customer's interaction time moves on; a blank name or language is filled in, but a known one
    is never overwritten by whoever types the number. Raises ValidationFailed for a bad phone.
    """
    e164 = phone_normalize(phone, region=business.country)
    index = phone_index_for(e164)
    name = name_normalize(name)
    language = language_normalize(language, strict=False)
    channel = _channel_valid(channel)
    now = timezone.now()
    with transaction.atomic():
        customer = _find_by_phone_index(business, index)
        if customer is None:
            customer, inserted = insert_or_fetch(
                lambda: Customer.objects.create(
                    business=business,
                    name=name,
                    phone_e164=e164,
                    phone_index=index,
                    phone_suffix_index=phone_suffix_index_for(e164),
                    language=language,
                    first_interaction_at=now,
                    last_interaction_at=now,
                ),
                lambda: _find_by_phone_index(business, index),
            )
            if inserted:
                activity_record(
                    business=business,
                    actor=actor,
                    actor_kind=_actor_kind(actor, actor_kind, "customer"),
                    action="customer.created",
                    target=customer,
                    data={"channel": channel},
                )
                return customer, True
        fills: dict = {"last_interaction_at": now}
        if name and not customer.name:
            fills["name"] = name
        if language and not customer.language:
            fills["language"] = language
        Customer.objects.filter(pk=customer.pk).update(
            first_interaction_at=Coalesce(F("first_interaction_at"), now), **fills
        )
        customer.first_interaction_at = customer.first_interaction_at or now
        for field, value in fills.items():
            setattr(customer, field, value)
        return customer, False


def customer_register(
    *,
    business,
    phone: str,
    name: str = "",
    language: str = "",
    channel: str,
    wording: ConsentWording | None = None,
    phone_verified: bool = False,
    ip: str = "",
    user_agent: str = "",
    actor=None,
    actor_kind: str | None = None,
) -> tuple[Customer, bool]:
    """Find or create the customer and, when `wording` is given, record their consent to it —
    together, so a failed consent never leaves a half-registered customer behind.
    `phone_verified`: the caller has just checked an OTP for this number."""
    with transaction.atomic():
        customer, created = customer_get_or_create_by_phone(
            business=business,
            phone=phone,
            name=name,
            language=language,
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
        )
        if phone_verified and customer.phone_verified_at is None:
            customer.phone_verified_at = timezone.now()
            Customer.objects.filter(pk=customer.pk, phone_verified_at__isnull=True).update(
                phone_verified_at=customer.phone_verified_at
            )
        if wording is not None:
            consent_grant(
                business=business,
                customer=customer,
                purpose=wording.purpose,
                channel=channel,
                wording=wording,
                ip=ip,
                user_agent=user_agent,
                actor=actor,
                actor_kind=actor_kind,
            )
        return customer, created


def customer_touch(*, business, customer: Customer) -> None:
    """Record that the customer interacted just now (a message, a scan, a visit).

    Deliberately no activity row: this runs on every inbound message, and the interaction
    itself is recorded where it happens (the conversation), so a log entry would only be noise.
    """
    _in_business(business, customer)
    now = timezone.now()
    Customer.objects.filter(business=business, pk=customer.pk, erased_at__isnull=True).update(
        last_interaction_at=now, first_interaction_at=Coalesce(F("first_interaction_at"), now)
    )
    customer.last_interaction_at = now
    customer.first_interaction_at = customer.first_interaction_at or now


def _tag_get_or_create(business, name: str) -> Tag:
    def existing() -> Tag | None:
        return Tag.objects.filter(business=business, name__iexact=name).first()

    return (
        existing()
        or insert_or_fetch(lambda: Tag.objects.create(business=business, name=name), existing)[0]
    )


def _tags_resolve(business, names: list[str]) -> list[Tag]:
    """The business's tags with these names (case-insensitive), created where missing."""
    return [_tag_get_or_create(business, name) for name in names]


def customer_update(
    *,
    business,
    customer: Customer,
    actor,
    name: str,
    language: str,
    tags: list[str],
    email: str,
    actor_kind: str | None = None,
) -> Customer:
    """Edit the profile a team member maintains. The phone is the customer's identity and is not
    edited here. An email another customer of the business already has is refused."""
    _in_business(business, customer)
    name = name_normalize(name)
    language = language_normalize(language, strict=True)
    tag_names = tags_normalize(tags)
    email = email_normalize(email)
    email_index = email_index_for(email) if email else None
    duplicate_email = ValidationFailed(
        _("Another customer of this business already has this email address."),
        code="duplicate_email",
    )
    with transaction.atomic():
        current = _customer_locked(business, customer)
        if (
            email_index
            and Customer.objects.filter(business=business, email_index=email_index)
            .exclude(pk=current.pk)
            .exists()
        ):
            raise duplicate_email
        changes = {
            field: value
            for field, value in {
                "name": name,
                "language": language,
                "email": email,
                "email_index": email_index,
            }.items()
            if getattr(current, field) != value
        }
        for field, value in changes.items():
            setattr(current, field, value)
        if changes:
            try:
                with transaction.atomic():
                    current.save(update_fields=list(changes))
            except IntegrityError:
                raise duplicate_email from None
        new_tags = _tags_resolve(business, tag_names)
        old_tag_ids = set(current.tags.values_list("pk", flat=True))
        if old_tag_ids != {tag.pk for tag in new_tags}:
            current.tags.set(new_tags)
            changes["tags"] = True
        changed = sorted(field for field in changes if field != "email_index")
        if changed:
            activity_record(
                business=business,
                actor=actor,
                actor_kind=actor_kind,
                action="customer.updated",
                target=current,
                data={"fields": changed},
            )
    for field in ("name", "language", "email", "email_index"):
        setattr(customer, field, getattr(current, field))
    # Drop the stale prefetch so callers read the new tags.
    getattr(customer, "_prefetched_objects_cache", {}).pop("tags", None)
    return customer


# --- tags --------------------------------------------------------------------------------------

# Customers one bulk action may tag or untag at once (a page of the list is 50).
TAG_BULK_MAX = 500


def _tag_name_valid(name: str) -> str:
    names = tags_normalize([name])
    if not names:
        raise ValidationFailed(_("Please enter a name for the tag."), code="invalid_tag")
    return names[0]


def _tag_color_valid(color: str) -> str:
    if color not in Tag.Color.values:
        raise ValidationFailed(_("Choose one of the colors."), code="invalid_color")
    return color


def _tag_duplicate() -> ValidationFailed:
    return ValidationFailed(
        _("This business already has a tag with this name."), code="duplicate_tag"
    )


def _tag_in_business(business, tag: Tag) -> None:
    if tag.business_id != business.pk:
        raise NotFound(_("This tag does not exist."))


def tag_create(*, business, name: str, color: str = Tag.Color.GRAY, actor) -> Tag:
    """A new tag of the business; a name it already has (in any case) is refused."""
    name = _tag_name_valid(name)
    color = _tag_color_valid(color)
    with transaction.atomic():
        if Tag.objects.filter(business=business, name__iexact=name).exists():
            raise _tag_duplicate()
        try:
            with transaction.atomic():
                tag = Tag.objects.create(business=business, name=name, color=color)
        except IntegrityError:  # the same name created at the same moment
            raise _tag_duplicate() from None
        activity_record(
            business=business, actor=actor, action="tag.created", target=tag, data={"color": color}
        )
    return tag


def tag_update(*, business, tag: Tag, name: str, color: str, actor) -> Tag:
    """Rename and/or recolor a tag; its customers keep it. A name another tag of the business
    has (in any case) is refused; changing only the case of its own name is allowed."""
    _tag_in_business(business, tag)
    name = _tag_name_valid(name)
    color = _tag_color_valid(color)
    with transaction.atomic():
        current = Tag.objects.select_for_update().filter(business=business, pk=tag.pk).first()
        if current is None:
            raise NotFound(_("This tag does not exist."))
        if Tag.objects.filter(business=business, name__iexact=name).exclude(pk=current.pk).exists():
            raise _tag_duplicate()
        changed = sorted(
            field
            for field, value in (("name", name), ("color", color))
            if getattr(current, field) != value
        )
        if changed:
            current.name, current.color = name, color
            try:
                with transaction.atomic():
                    current.save(update_fields=changed)
            except IntegrityError:
                raise _tag_duplicate() from None
            activity_record(
                business=business,
                actor=actor,
                action="tag.updated",
                target=current,
                data={"fields": changed},
            )
    tag.name, tag.color = current.name, current.color
    return tag


def tag_delete(*, business, tag: Tag, actor) -> int:
    """Deletes the tag and takes it off every customer. Returns how many customers had it."""
    _tag_in_business(business, tag)
    with transaction.atomic():
        current = Tag.objects.select_for_update().filter(business=business, pk=tag.pk).first()
        if current is None:
            raise NotFound(_("This tag does not exist."))
        had = current.customers.count()
        activity_record(
            business=business,
            actor=actor,
            action="tag.deleted",
            target=current,
            data={"customers": had, "name": current.name},
        )
        current.delete()
    return had


def customers_tag(*, business, tag: Tag, customer_ids: list[int], add: bool, actor) -> list[int]:
    """Puts `tag` on (add=True) or takes it off these customers of the business — one customer
    from their page or a selection from the list. Ids of other businesses, erased customers and
    unknown ids are ignored; a customer who already has TAGS_MAX tags is refused. Returns the
    ids actually changed; one activity row lists them (ids only, no personal data)."""
    _tag_in_business(business, tag)
    ids = sorted({int(pk) for pk in customer_ids})
    if len(ids) > TAG_BULK_MAX:
        raise ValidationFailed(
            _("Select at most %(max)d customers at once.") % {"max": TAG_BULK_MAX},
            code="too_many",
        )
    links = Customer.tags.through.objects
    with transaction.atomic():
        current = Tag.objects.select_for_update().filter(business=business, pk=tag.pk).first()
        if current is None:
            raise NotFound(_("This tag does not exist."))
        customers = Customer.objects.filter(business=business, pk__in=ids, erased_at__isnull=True)
        tagged = set(
            links.filter(tag=current, customer__in=customers).values_list("customer_id", flat=True)
        )
        if add:
            changed = sorted(set(customers.values_list("pk", flat=True)) - tagged)
            full = (
                links.filter(customer_id__in=changed)
                .values("customer_id")
                .annotate(n=Count("pk"))
                .filter(n__gte=TAGS_MAX)
                .exists()
            )
            if full:
                raise ValidationFailed(
                    _("A customer may have at most %(max)d tags.") % {"max": TAGS_MAX},
                    code="invalid_tag",
                )
            links.bulk_create(
                [links.model(customer_id=pk, tag_id=current.pk) for pk in changed],
                ignore_conflicts=True,
            )
        else:
            changed = sorted(tagged)
            links.filter(tag=current, customer_id__in=changed).delete()
        if changed:
            activity_record(
                business=business,
                actor=actor,
                action="tag.added" if add else "tag.removed",
                target=current,
                data={"customers": changed},
            )
    return changed


def identity_attach(
    *,
    business,
    customer: Customer,
    channel: str,
    external_id: str,
    actor=None,
    actor_kind: str | None = None,
) -> ChannelIdentity:
    """Link a channel account (WhatsApp, Telegram, web visitor id) to the customer; idempotent.
    An account that wrote before the person was known (no customer yet) becomes theirs.

    Raises Conflict when the account already belongs to another customer of the business:
    merging two people is a decision for a person, not for this function.
    """
    _in_business(business, customer)
    _not_erased(customer)
    channel = identity_channel_valid(channel)
    external_id = external_id_normalize(external_id)
    index = identity_index_for(channel, external_id)

    def existing() -> ChannelIdentity | None:
        found = (
            ChannelIdentity.objects.select_for_update()
            .filter(business=business, channel=channel, external_index=index)
            .first()
        )
        if found is not None and found.customer_id not in (None, customer.pk):
            raise Conflict(
                _("This account is already linked to another customer."), code="identity_taken"
            )
        return found

    with transaction.atomic():
        _customer_locked(business, customer)
        identity = existing()
        if identity is not None and identity.customer_id == customer.pk:
            return identity
        if identity is not None:
            identity.customer = customer
            identity.save(update_fields=["customer"])
        else:
            identity, inserted = insert_or_fetch(
                lambda: ChannelIdentity.objects.create(
                    business=business,
                    customer=customer,
                    channel=channel,
                    external_id=external_id,
                    external_index=index,
                ),
                existing,
            )
            if not inserted:
                return identity
        activity_record(
            business=business,
            actor=actor,
            actor_kind=_actor_kind(actor, actor_kind, "customer"),
            action="customer.identity_attached",
            target=customer,
            data={"channel": channel},
        )
        return identity


def identity_touch(*, business, channel: str, external_id: str) -> ChannelIdentity:
    """The person behind a channel handle (found or created, maybe without a customer yet), seen
    now. Called by conversations.services.conversation_receive for every inbound message; an
    identity without a customer is not yet personal data anyone asked for, so no activity."""
    channel = identity_channel_valid(channel)
    external_id = external_id_normalize(external_id)
    index = identity_index_for(channel, external_id)

    def existing() -> ChannelIdentity | None:
        return ChannelIdentity.objects.filter(
            business=business, channel=channel, external_index=index
        ).first()

    with transaction.atomic():
        identity = existing()
        if identity is None:
            identity, _inserted = insert_or_fetch(
                lambda: ChannelIdentity.objects.create(
                    business=business,
                    channel=channel,
                    external_id=external_id,
                    external_index=index,
                ),
                existing,
            )
        identity.last_seen_at = timezone.now()
        ChannelIdentity.objects.filter(pk=identity.pk).update(last_seen_at=identity.last_seen_at)
    return identity


def identities_unclaimed_delete(*, business, ids) -> int:
    """Deletes the given identities that no customer claims (a purged anonymous chat's)."""
    deleted, _detail = ChannelIdentity.objects.filter(
        business=business, pk__in=ids, customer__isnull=True
    ).delete()
    return deleted


# --- consent ledger ----------------------------------------------------------------------------


def _consent_append(
    *,
    business,
    customer: Customer,
    purpose: str,
    granted: bool,
    channel: str,
    wording: ConsentWording | None,
    ip: str,
    user_agent: str,
    actor,
    actor_kind: str | None,
) -> ConsentRecord:
    _in_business(business, customer)
    _not_erased(customer)
    purpose_valid(purpose)
    channel = _channel_valid(channel)
    ip = _ip_valid(ip)
    user_agent = _user_agent_clean(user_agent)
    with transaction.atomic():
        _customer_locked(business, customer)
        record = ConsentRecord.objects.create(
            business=business,
            customer=customer,
            purpose=purpose,
            granted=granted,
            channel=channel,
            wording=wording,
            ip_address=ip,
            user_agent=user_agent,
            occurred_at=timezone.now(),
        )
        data = {"purpose": purpose, "channel": channel, "record": record.pk}
        if wording is not None:
            data["wording"] = f"{wording.version}/{wording.language}"
        activity_record(
            business=business,
            actor=actor,
            actor_kind=_actor_kind(actor, actor_kind, "customer"),
            action="consent.granted" if granted else "consent.withdrawn",
            target=customer,
            data=data,
        )
    return record


def consent_grant(
    *,
    business,
    customer: Customer,
    purpose: str,
    channel: str,
    wording: ConsentWording,
    ip: str = "",
    user_agent: str = "",
    actor=None,
    actor_kind: str | None = None,
) -> ConsentRecord:
    """Append a grant to the ledger, pointing at the exact wording the person saw.

    A grant without its wording, or with a wording of another purpose, is refused: consent to
    an unknown text proves nothing. `ip`/`user_agent` are evidence and are encrypted/cleared on
    erasure; without an actor the customer is recorded as having acted.
    """
    if not isinstance(wording, ConsentWording) or wording.pk is None:
        raise ValidationFailed(
            _("A consent needs the wording the person agreed to."), code="invalid_wording"
        )
    if wording.purpose != purpose:
        raise ValidationFailed(
            _("This consent wording is for another purpose."), code="invalid_wording"
        )
    return _consent_append(
        business=business,
        customer=customer,
        purpose=purpose,
        granted=True,
        channel=channel,
        wording=wording,
        ip=ip,
        user_agent=user_agent,
        actor=actor,
        actor_kind=actor_kind,
    )


def consent_withdraw(
    *,
    business,
    customer: Customer,
    purpose: str,
    channel: str,
    ip: str = "",
    user_agent: str = "",
    actor=None,
    actor_kind: str | None = None,
) -> ConsentRecord:
    """Append a withdrawal (a STOP reply, an unsubscribe link, a request at the counter).

    Recorded even when nothing was granted: the request itself is evidence worth keeping.
    """
    return _consent_append(
        business=business,
        customer=customer,
        purpose=purpose,
        granted=False,
        channel=channel,
        wording=None,
        ip=ip,
        user_agent=user_agent,
        actor=actor,
        actor_kind=actor_kind,
    )


# --- data-subject requests ---------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def customer_export(*, business, customer: Customer, actor, actor_kind: str | None = None) -> dict:
    """Everything Kazan holds about the customer (GDPR art. 15/20), as JSON-ready data.

    Includes the decrypted phone and email, the consent history with the wording texts, and
    every section registered in kazan.core.gdpr under its name. The export itself is
    recorded as activity (who exported, not what).
    """
    _in_business(business, customer)
    with transaction.atomic():
        current = Customer.objects.filter(business=business, pk=customer.pk).first()
        if current is None:
            raise NotFound(_("This customer does not exist."))
        _not_erased(current)
        consents = ConsentRecord.objects.filter(business=business, customer=current)
        data: dict = {
            "format": EXPORT_FORMAT,
            "exported_at": timezone.now().isoformat(),
            "business": {"name": business.name, "address": business.address},
            "profile": {
                "id": current.pk,
                "name": current.name,
                "phone": current.phone_e164,
                "email": current.email,
                "language": current.language,
                "tags": list(current.tags.order_by("name").values_list("name", flat=True)),
                "first_interaction_at": _iso(current.first_interaction_at),
                "last_interaction_at": _iso(current.last_interaction_at),
                "phone_verified_at": _iso(current.phone_verified_at),
                "created_at": _iso(current.created_at),
            },
            "identities": [
                {
                    "channel": identity.channel,
                    "external_id": identity.external_id,
                    "created_at": _iso(identity.created_at),
                }
                for identity in ChannelIdentity.objects.filter(
                    business=business, customer=current
                ).order_by("created_at", "pk")
            ],
            "consents": [
                {
                    "purpose": record.purpose,
                    "granted": record.granted,
                    "channel": record.channel,
                    "occurred_at": _iso(record.occurred_at),
                    "wording": (
                        {
                            "version": record.wording.version,
                            "language": record.wording.language,
                            "text": record.wording.text,
                        }
                        if record.wording
                        else None
                    ),
                    "ip_address": record.ip_address,
                    "user_agent": record.user_agent,
                }
                for record in consents.select_related("wording").order_by("occurred_at", "pk")
            ],
        }
        sections = gdpr_sections()
        for section in sections:
            data[section.name] = section.export(business, current)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="customer.exported",
            target=current,
            data={"sections": [section.name for section in sections]},
        )
    return data


def customer_erase(
    *, business, customer: Customer, actor, actor_kind: str | None = None
) -> Customer:
    """Erase the customer's personal data (GDPR art. 17), all or nothing.

    Order matters: current consents are withdrawn first (channel "erasure"), so the ledger
    shows that marketing stopped; then every registered section erases its data; then the
    profile is blanked, the blind indexes NULLed (the phone can register again as a new person),
    identities and tag links deleted and the ledger's IPs and user agents cleared. The row stays
    as an anonymous statistic with erased_at set. Erasing twice raises Conflict.
    """
    _in_business(business, customer)
    with transaction.atomic():
        current = (
            Customer.objects.select_for_update().filter(business=business, pk=customer.pk).first()
        )
        if current is None:
            raise NotFound(_("This customer does not exist."))
        if current.erased_at is not None:
            raise Conflict(_("This customer's data has already been erased."), code="erased")
        withdrawn = []
        for purpose in ConsentRecord.Purpose.values:
            if consent_is_granted(business=business, customer=current, purpose=purpose):
                consent_withdraw(
                    business=business,
                    customer=current,
                    purpose=purpose,
                    channel=ERASURE_CHANNEL,
                    actor=actor,
                    actor_kind=_actor_kind(actor, actor_kind, "system"),
                )
                withdrawn.append(purpose)
        sections = gdpr_sections()
        for section in sections:
            section.erase(business, current)
        ChannelIdentity.objects.filter(business=business, customer=current).delete()
        current.tags.clear()
        ConsentRecord.objects.filter(business=business, customer=current).update(
            ip_address="", user_agent=""
        )
        current.name = ""
        current.phone_e164 = ""
        current.phone_index = None
        current.phone_suffix_index = None
        current.email = ""
        current.email_index = None
        current.phone_verified_at = None
        current.erased_at = timezone.now()
        current.save(
            update_fields=[
                "name",
                "phone_e164",
                "phone_index",
                "phone_suffix_index",
                "email",
                "email_index",
                "phone_verified_at",
                "erased_at",
            ]
        )
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="customer.erased",
            target=current,
            data={
                "sections": [section.name for section in sections],
                "consents_withdrawn": withdrawn,
            },
        )
    for field in (
        "name",
        "phone_e164",
        "phone_index",
        "phone_suffix_index",
        "email",
        "email_index",
    ):
        setattr(customer, field, getattr(current, field))
    customer.phone_verified_at = None
    customer.erased_at = current.erased_at
    return customer
