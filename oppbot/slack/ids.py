"""Every action_id, block_id and callback_id, in enums: a typo is a NameError, not a dead button."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    OPP = "/opp"


class Callback(StrEnum):
    """callback_id of views and shortcuts."""

    CREATE_DEAL = "deal_create"
    EDIT_DEAL = "deal_edit"
    LOSS_REASON = "deal_lost"
    NOTE = "deal_note"
    CUSTOMER_NEW = "customer_new"
    CUSTOMER_EDIT = "customer_edit"
    MESSAGE_SHORTCUT = "create_opportunity_from_message"
    ALERT_CLOSE_DATE = "alert_close_date"
    DEAL_FOUND = "deal_found"  # read-only modal showing a deal picked in the App Home finder
    IMPORT = "deal_import"  # /opp import: the file and its column map
    IMPORT_CONFIRM = "deal_import_confirm"  # the dry-run preview; submitting it imports


class Block(StrEnum):
    """block_id of modal inputs: view_submission errors are keyed by these."""

    TITLE = "title"
    CUSTOMER = "customer"
    VALUE = "value"
    CURRENCY = "currency"
    STAGE = "stage"
    PROBABILITY = "probability"
    EXPECTED_CLOSE = "expected_close"
    DESCRIPTION = "description"
    EXTERNAL_REF = "external_ref"
    ASSIGNEE = "assignee"
    CATEGORY = "category"
    LOSS_REASON = "loss_reason"
    LOSS_NOTE = "loss_note"
    NOTE = "note"
    CUSTOMER_NAME = "name"
    CUSTOMER_KIND = "kind"
    CUSTOMER_EMAIL = "email"
    CUSTOMER_DOMAIN = "domain"
    CUSTOMER_PHONE = "phone"
    CUSTOMER_ACTIONS = "customer_actions"  # the actions block holding the "New customer" button
    CONTEXT = "context"  # a modal's explanatory context block
    HOME_ACTIONS = "home_actions"
    IMPORT_FILE = "import_file"
    IMPORT_MAP = "import_map"


class Action(StrEnum):
    """action_id of interactive elements. Input elements inside a modal use `Block.X.value + "_input"`."""

    CLAIM = "deal_claim"
    ASSIGN = "deal_assign"
    MOVE = "deal_move"
    EDIT = "deal_edit"
    NOTE = "deal_note"
    WON = "deal_won"
    LOST = "deal_lost"
    RESET_PROBABILITY = "deal_reset_probability"
    CATEGORY = "deal_category"
    ROW_MENU = "deal_row_menu"
    LIST_PAGE = "list_page"
    LIST_STAGE = "list_stage"
    HOME_FIND = "home_find"
    HOME_NEW = "home_new"
    ALERT_SNOOZE = "alert_snooze"
    ALERT_CLOSE_DATE = "alert_close_date"
    ALERT_LOST = "alert_lost"
    ALERT_CLAIM = "alert_claim"
    NEW_CUSTOMER = "customer_new_push"  # inside the deal modal: pushes the customer modal
    EDIT_CUSTOMER = "customer_edit_open"  # the customer page, and beside the deal modal's picker


def input_action(block: Block | BillingBlock) -> str:
    """The action_id of the input element inside `block` (one element per input block)."""
    return f"{block.value}_input"


class BillingCallback(StrEnum):
    """callback_id of the billing and task modals (customers, catalog, billables, tasks)."""

    BILLABLE_ADD = "billable_add"
    BILLABLE_EDIT = "billable_edit"
    TASK_ADD = "task_add"
    SERVICE_SAVE = "service_save"


class BillingBlock(StrEnum):
    """block_id of the billing and task modal inputs."""

    SERVICE = "bill_service"
    DESCRIPTION = "bill_description"
    QUANTITY = "bill_quantity"
    UNIT_PRICE = "bill_unit_price"
    TASK_TITLE = "task_title"
    TASK_DUE_DATE = "task_due_date"
    TASK_DUE_TIME = "task_due_time"
    TASK_ASSIGNEE = "task_assignee"
    SERVICE_NAME = "service_name"
    SERVICE_PRICE = "service_price"
    SERVICE_CURRENCY = "service_currency"
    DELETE = "bill_delete"


class BillingAction(StrEnum):
    """action_id of billing and task buttons."""

    ADD_SERVICE = "bill_add_service"
    ADD_LINE = "bill_add_line"
    REMOVE_LINE = "bill_remove_line"
    EDIT_LINE = "bill_edit_line"
    GENERATE_INVOICE = "bill_generate_invoice"
    SET_VALUE = "bill_set_value"
    ADD_TASK = "task_add"
    TASK_DONE = "task_done"
    TASK_SNOOZE = "task_snooze"
    SERVICE_EDIT = "catalog_edit"
    SERVICE_ADD = "catalog_add"
