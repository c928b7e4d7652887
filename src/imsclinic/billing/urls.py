from django.urls import path

from imsclinic.billing import views

urlpatterns = [
    path("", views.billing_home, name="billing_home"),
    path("visits/<int:charge_id>/invoice/", views.charge_invoice, name="charge_invoice"),
    path("visits/<int:charge_id>/dismiss/", views.charge_dismiss, name="charge_dismiss"),
    path("patients/<int:patient_id>/invoices/new/", views.invoice_new, name="invoice_new"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/lines/", views.invoice_line_add, name="invoice_line_add"),
    path(
        "invoices/<int:invoice_id>/lines/<int:line_id>/remove/",
        views.invoice_line_remove,
        name="invoice_line_remove",
    ),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/discard/", views.invoice_discard, name="invoice_discard"),
    path("invoices/<int:invoice_id>/payments/", views.payment_new, name="payment_new"),
    path("invoices/<int:invoice_id>/credit-notes/", views.credit_note_new, name="credit_note_new"),
    path(
        "invoices/<int:invoice_id>/receipt.pdf", views.invoice_receipt_pdf, name="invoice_receipt"
    ),
    path("patients/<int:patient_id>/", views.patient_account, name="patient_account"),
    path("patients/<int:patient_id>/payers/", views.payer_add, name="payer_add"),
    path("payers/<int:payer_id>/end/", views.payer_end, name="payer_end"),
    path("fees/", views.fee_schedule, name="fee_schedule"),
    path("fees/services/", views.service_save, name="service_save"),
    path("fees/services/<int:service_id>/prices/", views.price_set, name="price_set"),
    path("fees/taxes/", views.tax_rule_save, name="tax_rule_save"),
    path("settings/", views.billing_settings, name="billing_settings"),
    path("reports/", views.billing_reports, name="billing_reports"),
    path("reports/journal.csv", views.billing_journal_csv, name="billing_journal_csv"),
]
