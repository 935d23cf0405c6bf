import Foundation
import SQLKit

/// A named schema change, applied once and recorded in `schema_migrations`.
package struct Migration: Sendable {
    package let name: String
    /// Portable SQL; `{identity}` stands for an auto-incrementing integer primary key, `{bytes}` for a binary
    /// column, and `{transaction_id}` for the id of the writing transaction on PostgreSQL (0 on SQLite, whose single
    /// writer commits in order).
    package let statements: [String]

    /// The statements in the dialect of `kind`.
    func statements(for kind: DatabaseKind) -> [String] {
        let identity =
            switch kind {
            case .sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT"
            case .postgres: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            }
        let bytes =
            switch kind {
            case .sqlite: "BLOB"
            case .postgres: "BYTEA"
            }
        let transactionID =
            switch kind {
            case .sqlite: "0"
            case .postgres: "(pg_current_xact_id()::text::bigint)"
            }
        return self.statements.map {
            $0.replacingOccurrences(of: "{identity}", with: identity)
                .replacingOccurrences(of: "{transaction_id}", with: transactionID)
                .replacingOccurrences(of: "{bytes}", with: bytes)
        }
    }
}

/// The one set of migrations, in order; the same SQL runs on SQLite and PostgreSQL.
package enum Migrations {
    package static let all: [Migration] = [
        Migration(
            name: "0001_workspaces",
            statements: [
                """
                CREATE TABLE supplier (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    name TEXT NOT NULL,
                    legal_name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    gstin TEXT NOT NULL,
                    address_line1 TEXT NOT NULL,
                    address_line2 TEXT,
                    city TEXT NOT NULL,
                    state_code TEXT,
                    pin TEXT NOT NULL,
                    country TEXT NOT NULL,
                    letter_of_undertaking TEXT
                )
                """,
                """
                CREATE TABLE workspaces (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    legal_name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    gstin TEXT,
                    address_line1 TEXT NOT NULL,
                    address_line2 TEXT,
                    city TEXT NOT NULL,
                    state_code TEXT,
                    pin TEXT NOT NULL,
                    country TEXT NOT NULL,
                    billing_mode TEXT NOT NULL,
                    payment_terms_days INTEGER NOT NULL,
                    auto_pay BOOLEAN NOT NULL,
                    service_state TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX workspaces_created ON workspaces (created_at, id)",
                """
                CREATE TABLE members (
                    id TEXT PRIMARY KEY,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    email TEXT NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    password_hash TEXT,
                    created_at BIGINT NOT NULL,
                    UNIQUE (workspace_id, email)
                )
                """,
                "CREATE INDEX members_email ON members (email)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,
                    key_prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
            ]
        ),
        Migration(
            name: "0002_plans_meters_usage",
            statements: [
                """
                CREATE TABLE plans (
                    id TEXT PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    billing_interval TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    platform_fee BIGINT NOT NULL,
                    included_seats INTEGER NOT NULL,
                    seat_price BIGINT NOT NULL,
                    monthly_credits BIGINT NOT NULL,
                    credit_price BIGINT NOT NULL,
                    sac TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE subscriptions (
                    id TEXT PRIMARY KEY,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    plan_id TEXT NOT NULL REFERENCES plans (id),
                    seats INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    current_period_start TEXT NOT NULL,
                    current_period_end TEXT NOT NULL,
                    cancel_at_period_end BOOLEAN NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX subscriptions_workspace ON subscriptions (workspace_id)",
                "CREATE INDEX subscriptions_period_end ON subscriptions (status, current_period_end)",
                """
                CREATE TABLE meters (
                    id TEXT PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    resource_type TEXT NOT NULL,
                    unit TEXT NOT NULL,
                    sac TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    pricing TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE usage_records (
                    id TEXT PRIMARY KEY,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    event_id TEXT NOT NULL,
                    meter_code TEXT NOT NULL,
                    resource_name TEXT NOT NULL,
                    quantity BIGINT NOT NULL,
                    started_at BIGINT NOT NULL,
                    ended_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    UNIQUE (workspace_id, event_id)
                )
                """,
                "CREATE INDEX usage_records_period ON usage_records (workspace_id, started_at)",
            ]
        ),
        Migration(
            name: "0003_invoices",
            statements: [
                """
                CREATE TABLE number_series (
                    kind TEXT NOT NULL,
                    financial_year INTEGER NOT NULL,
                    prefix TEXT NOT NULL,
                    last_sequence BIGINT NOT NULL,
                    PRIMARY KEY (kind, financial_year)
                )
                """,
                """
                CREATE TABLE invoices (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    number TEXT UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    subscription_id TEXT REFERENCES subscriptions (id),
                    original_invoice_id TEXT REFERENCES invoices (id),
                    state TEXT NOT NULL,
                    issue_date TEXT,
                    due_date TEXT,
                    period_start TEXT NOT NULL,
                    period_end TEXT NOT NULL,
                    sort_date TEXT NOT NULL,
                    search_text TEXT NOT NULL,
                    description TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    supplier TEXT NOT NULL,
                    customer TEXT NOT NULL,
                    place_of_supply TEXT,
                    supply_type TEXT NOT NULL,
                    subtotal BIGINT NOT NULL,
                    platform_fee BIGINT NOT NULL,
                    credits_fee BIGINT NOT NULL,
                    services_count INTEGER NOT NULL,
                    tax_cgst BIGINT NOT NULL,
                    tax_sgst BIGINT NOT NULL,
                    tax_utgst BIGINT NOT NULL,
                    tax_igst BIGINT NOT NULL,
                    tax_total BIGINT NOT NULL,
                    total BIGINT NOT NULL,
                    amount_paid BIGINT NOT NULL,
                    attempt_in_flight BOOLEAN NOT NULL,
                    last_attempt_failed BOOLEAN NOT NULL,
                    created_at BIGINT NOT NULL,
                    finalized_at BIGINT
                )
                """,
                "CREATE INDEX invoices_workspace_sorted ON invoices (workspace_id, sort_date, id)",
                "CREATE INDEX invoices_sorted ON invoices (sort_date, id)",
                """
                CREATE UNIQUE INDEX invoices_one_per_subscription_period
                    ON invoices (subscription_id, period_start) WHERE kind = 'invoice' AND state <> 'cancelled'
                """,
                """
                CREATE TABLE invoice_lines (
                    invoice_id TEXT NOT NULL REFERENCES invoices (id),
                    position INTEGER NOT NULL,
                    category TEXT NOT NULL,
                    resource_type TEXT NOT NULL,
                    resource_name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    period_start TEXT NOT NULL,
                    period_end TEXT NOT NULL,
                    quantity BIGINT NOT NULL,
                    unit TEXT NOT NULL,
                    unit_price BIGINT NOT NULL,
                    amount BIGINT NOT NULL,
                    sac TEXT NOT NULL,
                    gst_rate_basis_points INTEGER NOT NULL,
                    PRIMARY KEY (invoice_id, position)
                )
                """,
                """
                CREATE TABLE invoice_taxes (
                    invoice_id TEXT NOT NULL REFERENCES invoices (id),
                    head TEXT NOT NULL,
                    rate_basis_points INTEGER NOT NULL,
                    taxable_amount BIGINT NOT NULL,
                    amount BIGINT NOT NULL,
                    PRIMARY KEY (invoice_id, head, rate_basis_points)
                )
                """,
                """
                CREATE TABLE payments (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    invoice_id TEXT NOT NULL REFERENCES invoices (id),
                    method TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    status TEXT NOT NULL,
                    amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    reference TEXT,
                    failure_reason TEXT,
                    created_at BIGINT NOT NULL,
                    paid_at BIGINT
                )
                """,
                "CREATE INDEX payments_invoice ON payments (invoice_id, sequence)",
                """
                CREATE TABLE wallet_entries (
                    id TEXT PRIMARY KEY,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    invoice_id TEXT REFERENCES invoices (id),
                    description TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX wallet_entries_workspace ON wallet_entries (workspace_id, created_at)",
                """
                CREATE TABLE audit_log (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    occurred_at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    workspace_id TEXT,
                    amount BIGINT,
                    currency TEXT,
                    details TEXT NOT NULL
                )
                """,
                "CREATE INDEX audit_log_subject ON audit_log (subject_id, sequence)",
            ]
        ),
        Migration(
            name: "0004_subscription_anchor",
            statements: [
                "ALTER TABLE subscriptions ADD COLUMN billing_anchor TEXT",
                "UPDATE subscriptions SET billing_anchor = current_period_start WHERE billing_anchor IS NULL",
            ]
        ),
        Migration(
            name: "0005_subscription_changes",
            statements: [
                """
                CREATE TABLE subscription_changes (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
                    period_start TEXT NOT NULL,
                    effective_date TEXT NOT NULL,
                    from_plan_id TEXT NOT NULL REFERENCES plans (id),
                    from_seats INTEGER NOT NULL,
                    to_plan_id TEXT NOT NULL REFERENCES plans (id),
                    to_seats INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE INDEX subscription_changes_period
                    ON subscription_changes (subscription_id, period_start, sequence)
                """,
            ]
        ),
        Migration(
            // Billing runs take due subscriptions in (period end, id) order; with the id in the index the next
            // batch is read off it instead of sorting every subscription due on the same day.
            name: "0006_subscriptions_due_order",
            statements: [
                "CREATE INDEX subscriptions_due ON subscriptions (status, current_period_end, id)",
                "DROP INDEX subscriptions_period_end",
            ]
        ),
        Migration(
            name: "0007_idempotency_keys",
            statements: [
                """
                CREATE TABLE idempotency_keys (
                    owner TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    response_status INTEGER,
                    response_content_type TEXT,
                    response_body TEXT,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (owner, idempotency_key)
                )
                """,
                "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
            ]
        ),
        Migration(
            name: "0008_member_sign_in",
            statements: [
                """
                CREATE TABLE member_sessions (
                    id TEXT PRIMARY KEY,
                    token_hash TEXT NOT NULL UNIQUE,
                    member_id TEXT NOT NULL REFERENCES members (id),
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                // A portal link works once: redeeming it records its nonce, and a second redemption finds it taken.
                """
                CREATE TABLE portal_link_redemptions (
                    nonce TEXT PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES members (id),
                    redeemed_at BIGINT NOT NULL
                )
                """,
                // Failed sign-ins per account and every sign-in per address, counted over a sliding window.
                """
                CREATE TABLE sign_in_attempts (
                    sequence {identity},
                    subject TEXT NOT NULL,
                    attempted_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sign_in_attempts_subject ON sign_in_attempts (subject, attempted_at)",
                """
                CREATE TABLE server_secrets (
                    name TEXT PRIMARY KEY,
                    secret TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
            ]
        ),
        Migration(
            name: "0009_gateway_payments",
            statements: [
                "ALTER TABLE payments ADD COLUMN gateway_order_id TEXT",
                "ALTER TABLE payments ADD COLUMN gateway_payment_id TEXT",
                "CREATE UNIQUE INDEX payments_gateway_order ON payments (gateway_order_id)",
                // One attempt in flight per invoice, whatever the number of processes racing to start one.
                "CREATE UNIQUE INDEX payments_one_in_flight ON payments (invoice_id) WHERE status = 'processing'",
                "CREATE INDEX payments_processing ON payments (status, created_at)",
                """
                CREATE TABLE gateway_events (
                    provider TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    received_at BIGINT NOT NULL,
                    PRIMARY KEY (provider, event_id)
                )
                """,
                """
                CREATE TABLE refunds (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    invoice_id TEXT REFERENCES invoices (id),
                    credit_note_id TEXT REFERENCES invoices (id),
                    payment_id TEXT REFERENCES payments (id),
                    destination TEXT NOT NULL,
                    amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    gateway_payment_id TEXT,
                    gateway_refund_id TEXT UNIQUE,
                    failure_reason TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX refunds_invoice ON refunds (invoice_id, sequence)",
                "CREATE INDEX refunds_status ON refunds (status, created_at)",
                """
                CREATE TABLE mandates (
                    id TEXT PRIMARY KEY,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    provider TEXT NOT NULL,
                    status TEXT NOT NULL,
                    customer_id TEXT NOT NULL,
                    authorisation_order_id TEXT NOT NULL UNIQUE,
                    token_id TEXT UNIQUE,
                    max_amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX mandates_workspace ON mandates (workspace_id, created_at)",
                """
                CREATE TABLE auto_pay_charges (
                    id TEXT PRIMARY KEY,
                    invoice_id TEXT NOT NULL UNIQUE REFERENCES invoices (id),
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    mandate_id TEXT NOT NULL REFERENCES mandates (id),
                    amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    notified_at BIGINT NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    attempts INTEGER NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX auto_pay_charges_due ON auto_pay_charges (status, next_attempt_at)",
                """
                CREATE TABLE outbox (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    workspace_id TEXT REFERENCES workspaces (id),
                    subject_id TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT,
                    UNIQUE (kind, subject_id)
                )
                """,
            ]
        ),
        Migration(
            // Meters made before this become `per_meter`, the default: tiers, volume bands and packages see the
            // meter's total for the period, as the billing platforms Billfold follows price a billable metric.
            name: "0010_meter_aggregation",
            statements: [
                """
                ALTER TABLE meters ADD COLUMN aggregation TEXT NOT NULL DEFAULT 'per_meter'
                    CHECK (aggregation IN ('per_meter', 'per_resource'))
                """
            ]
        ),
        Migration(
            name: "0011_api_key_expiry",
            statements: [
                // When a key stops working, in milliseconds since 1970; NULL: never. Existing keys never expire.
                "ALTER TABLE api_keys ADD COLUMN expires_at BIGINT"
            ]
        ),
        Migration(
            // The event log: what a platform polls, and what outgoing webhooks deliver. The sequence orders it.
            name: "0012_events",
            statements: [
                """
                CREATE TABLE events (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    workspace_id TEXT REFERENCES workspaces (id),
                    invoice_id TEXT,
                    payment_id TEXT,
                    credit_note_id TEXT,
                    refund_id TEXT,
                    data TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX events_workspace ON events (workspace_id, sequence)",
                "CREATE INDEX events_type ON events (type, sequence)",
                "CREATE INDEX events_invoice ON events (invoice_id, sequence)",
                "CREATE INDEX events_credit_note ON events (credit_note_id, sequence)",
            ]
        ),
        Migration(
            // The outbox becomes the mail queue the delivery job works through. Messages queued before it existed
            // were never sent and are stale now (a pre-debit notice for a debit long past), so they are kept,
            // visible, as failed rather than sent late.
            name: "0013_mail_and_dunning",
            statements: [
                """
                CREATE TABLE mail_outbox (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    template TEXT NOT NULL,
                    cause TEXT NOT NULL,
                    workspace_id TEXT REFERENCES workspaces (id),
                    invoice_id TEXT REFERENCES invoices (id),
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    text_body TEXT NOT NULL,
                    html_body TEXT NOT NULL,
                    attachments TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
                    attempts INTEGER NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    claimed_by TEXT,
                    lease_expires_at BIGINT,
                    message_id TEXT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (cause, recipient, template)
                )
                """,
                """
                INSERT INTO mail_outbox (id, template, cause, workspace_id, recipient, subject, text_body, html_body,
                    attachments, status, attempts, next_attempt_at, message_id, last_error, created_at, sent_at,
                    updated_at)
                SELECT id, kind, kind || ':' || subject_id, workspace_id, recipient, subject, body, '', '',
                    CASE WHEN sent_at IS NULL THEN 'failed' ELSE 'sent' END, 0, created_at,
                    id || '@billfold.invalid',
                    CASE WHEN sent_at IS NULL THEN 'queued before Billfold delivered mail; never sent' END,
                    created_at, sent_at, created_at
                FROM outbox ORDER BY sequence
                """,
                "DROP TABLE outbox",
                "ALTER TABLE mail_outbox RENAME TO outbox",
                "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
                "CREATE INDEX outbox_workspace ON outbox (workspace_id, sequence)",
                "CREATE INDEX outbox_invoice ON outbox (invoice_id, sequence)",
                // The supplier's dunning policy; no row: the standard one.
                """
                CREATE TABLE dunning_policy (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    reminder_offsets TEXT NOT NULL,
                    grace_days INTEGER NOT NULL,
                    minimum_overdue BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                // Extra addresses for billing mail, separated by spaces.
                "ALTER TABLE workspaces ADD COLUMN billing_emails TEXT NOT NULL DEFAULT ''",
                // NULL: the supplier's policy; 'excluded'; or a policy of its own as JSON.
                "ALTER TABLE workspaces ADD COLUMN dunning TEXT",
                "ALTER TABLE workspaces ADD COLUMN service_state_since BIGINT",
                // Who put the workspace in its state: 'dunning' moves it by itself, an 'operator' state stands.
                """
                ALTER TABLE workspaces ADD COLUMN service_state_set_by TEXT NOT NULL DEFAULT 'dunning'
                    CHECK (service_state_set_by IN ('dunning', 'operator'))
                """,
                "UPDATE workspaces SET service_state_set_by = 'operator' WHERE service_state <> 'active'",
                "UPDATE workspaces SET service_state_since = created_at",
                // Below this wallet balance a prepaid workspace is told its wallet is running low; NULL: never.
                "ALTER TABLE workspaces ADD COLUMN wallet_low_balance BIGINT",
                // Each reminder an invoice was sent (or skipped, when the clock passed it unsent), once.
                """
                CREATE TABLE dunning_notices (
                    invoice_id TEXT NOT NULL REFERENCES invoices (id),
                    reminder TEXT NOT NULL,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
                    recorded_at BIGINT NOT NULL,
                    PRIMARY KEY (invoice_id, reminder)
                )
                """,
                // The transaction that wrote each event. On PostgreSQL events commit out of sequence order, so a job
                // that follows the log reads in (transaction, sequence) order, and only transactions older than
                // every one still writing to this database: nothing can then appear behind its cursor.
                "ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL DEFAULT {transaction_id}",
                "CREATE INDEX events_in_commit_order ON events (txid, sequence)",
                // How far a job that follows the event log has read: the transaction and sequence of the last event.
                """
                CREATE TABLE job_cursors (
                    name TEXT PRIMARY KEY, txid BIGINT NOT NULL, position BIGINT NOT NULL
                )
                """,
            ]
        ),
        Migration(
            name: "0014_corrections_and_disputes",
            statements: [
                // What credit notes took off an unpaid invoice's amount due.
                "ALTER TABLE invoices ADD COLUMN amount_credited BIGINT NOT NULL DEFAULT 0",
                // A credit or debit note's reference to its invoice, GST treatment and destination, as JSON.
                "ALTER TABLE invoices ADD COLUMN correction TEXT",
                "ALTER TABLE invoices ADD COLUMN open_dispute_id TEXT",
                "ALTER TABLE invoices ADD COLUMN disputed_amount BIGINT NOT NULL DEFAULT 0",
                "CREATE INDEX invoices_original ON invoices (original_invoice_id)",
                "ALTER TABLE invoice_lines ADD COLUMN original_position INTEGER",
                """
                CREATE TABLE disputes (
                    id TEXT PRIMARY KEY,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    invoice_id TEXT NOT NULL REFERENCES invoices (id),
                    invoice_number TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    line_positions TEXT NOT NULL,
                    expected_total BIGINT NOT NULL,
                    disputed_amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    opened_by TEXT NOT NULL,
                    state TEXT NOT NULL,
                    resolution TEXT,
                    credit_note_id TEXT REFERENCES invoices (id),
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    closed_at BIGINT
                )
                """,
                // One dispute at a time holds an invoice.
                """
                CREATE UNIQUE INDEX disputes_one_active_per_invoice ON disputes (invoice_id)
                    WHERE state IN ('open', 'under_review')
                """,
                "CREATE INDEX disputes_workspace ON disputes (workspace_id, created_at, id)",
                "CREATE INDEX disputes_sorted ON disputes (created_at, id)",
                """
                CREATE TABLE dispute_comments (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    dispute_id TEXT NOT NULL REFERENCES disputes (id),
                    role TEXT NOT NULL,
                    author TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX dispute_comments_thread ON dispute_comments (dispute_id, sequence)",
                """
                CREATE TABLE dispute_attachments (
                    id TEXT PRIMARY KEY,
                    dispute_id TEXT NOT NULL REFERENCES disputes (id),
                    filename TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    byte_count INTEGER NOT NULL,
                    content {bytes} NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX dispute_attachments_dispute ON dispute_attachments (dispute_id, id)",
                """
                CREATE TABLE credit_balance_entries (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                    amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    document_id TEXT REFERENCES invoices (id),
                    description TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX credit_balance_entries_workspace ON credit_balance_entries (workspace_id, sequence)",
            ]
        ),
        Migration(
            name: "0015_webhooks",
            statements: [
                // Secrets are AES-GCM sealed under the master key (base64 of nonce, ciphertext and tag). During a
                // rotation the previous secret signs beside the new one until previous_secret_expires_at.
                """
                CREATE TABLE webhook_endpoints (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    url TEXT NOT NULL,
                    event_types TEXT NOT NULL,
                    description TEXT NOT NULL,
                    enabled BOOLEAN NOT NULL,
                    disabled_reason TEXT,
                    secret TEXT NOT NULL,
                    previous_secret TEXT,
                    previous_secret_expires_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    deleted_at BIGINT
                )
                """,
                """
                CREATE TABLE webhook_deliveries (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    event_id TEXT NOT NULL REFERENCES events (id),
                    event_type TEXT NOT NULL,
                    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
                    trigger TEXT NOT NULL CHECK (trigger IN ('event', 'redelivery')),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
                    attempts INTEGER NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    claimed_by TEXT,
                    lease_expires_at BIGINT,
                    last_status_code INTEGER,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    delivered_at BIGINT,
                    updated_at BIGINT NOT NULL
                )
                """,
                // Each event goes to each endpoint once by itself, however many processes fan it out.
                """
                CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (event_id, endpoint_id)
                    WHERE trigger = 'event'
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, sequence)",
                """
                CREATE TABLE webhook_attempts (
                    sequence {identity},
                    id TEXT NOT NULL UNIQUE,
                    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
                    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
                    event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    url TEXT NOT NULL,
                    attempted_at BIGINT NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    status_code INTEGER,
                    outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'retrying', 'failed')),
                    error TEXT,
                    response_body TEXT NOT NULL,
                    next_attempt_at BIGINT
                )
                """,
                "CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, sequence)",
                "CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id, sequence)",
            ]
        ),
    ]

    /// Applies the migrations not yet recorded, each in its own transaction; returns the names applied.
    ///
    /// Safe to run from several processes at once: on PostgreSQL each step holds an advisory lock, on SQLite
    /// the write lock of `BEGIN IMMEDIATE`, and a step re-reads the record before it applies anything.
    @discardableResult
    package static func run(on database: Database, now: Date = Date()) async throws -> [String] {
        var newlyApplied: [String] = []
        let kind = database.kind
        for migration in self.all {
            let statements = migration.statements(for: kind)
            let appliedAt = Int64(now.timeIntervalSince1970)
            let applied = try await database.transaction { sql in
                if kind == .postgres {
                    try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.advisoryLockKey))").run()
                }
                try await sql.raw(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"
                ).run()
                let recorded = try await sql.raw(
                    "SELECT name FROM schema_migrations WHERE name = \(bind: migration.name)"
                ).first()
                guard recorded == nil else { return false }
                for statement in statements {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.raw(
                    """
                    INSERT INTO schema_migrations (name, applied_at) VALUES (\(bind: migration.name), \(bind: appliedAt))
                    """
                ).run()
                return true
            }
            if applied { newlyApplied.append(migration.name) }
        }
        return newlyApplied
    }

    /// The PostgreSQL advisory lock that serializes migrations across processes.
    static let advisoryLockKey: Int64 = 0x6269_6c6c_666f_6c64
}
