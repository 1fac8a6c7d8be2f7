#include "console/ReportsTab.h"

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/AvatarLabel.h"
#include "console/ChartSupport.h"
#include "console/ReportsModel.h"
#include "console/StaffAlerts.h"
#include "console/TrustChart.h"
#include "console/Words.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace fp::console {

namespace {

constexpr int kRefreshMs = 10000;
constexpr int kAlertRefreshMs = 150;

QString when(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                       : QStringLiteral("—");
}

/// A time of today as the clock shows it, another day with its date.
QString clockTime(const QDateTime &t)
{
    const QDateTime local = t.toLocalTime();
    return local.date() == QDate::currentDate() ? local.toString(QStringLiteral("HH:mm"))
                                                : local.toString(QStringLiteral("d MMM HH:mm"));
}

/// Why the server refused a claim or an action, in words: the refusals it names with
/// details.reason are said as what to do about them, anything else with every field it named.
QString refusal(const AppError &error)
{
    const QString reason = error.details.value(QStringLiteral("reason")).toString();
    if (reason == QLatin1String("claimed")) {
        const QDateTime until =
            fromWireTime(error.details.value(QStringLiteral("claimed_until")).toString());
        return until.isValid()
            ? QObject::tr("Another staff member holds this report until %1").arg(clockTime(until))
            : QObject::tr("Another staff member holds this report");
    }
    if (reason == QLatin1String("not_claimed"))
        return QObject::tr("Claim the report first (C)");
    if (reason == QLatin1String("resolved"))
        return QObject::tr("This report is already resolved");
    return describe(error);
}

QString briefHtml(const QString &label, const admin::UserBrief &u)
{
    if (u.absent())
        return QStringLiteral("<p><b>%1</b>: none — raised by the chat rules</p>").arg(label);
    return QStringLiteral("<p><b>%1</b>: %2 — account <b>%3</b> (%4) — trust %5; reports filed %6, "
                          "against %7 (%8 confirmed)<br><small>%9</small></p>")
        .arg(label, u.nickname.toHtmlEscaped(), words::userStatus(u.status), words::role(u.role))
        .arg(u.trustScore)
        .arg(u.reportsFiled)
        .arg(u.reportsAgainst)
        .arg(u.reportsAgainstConfirmed)
        .arg(u.userId);
}

/// A person's other reports, each saying whether they filed it or it is about them.
QString historyHtml(const QString &title, const QString &personId,
                    const QList<admin::Report> &reports)
{
    if (reports.isEmpty())
        return QStringLiteral("<p><b>%1</b>: none</p>").arg(title);
    QString html = QStringLiteral("<p><b>%1</b>:</p><ul>").arg(title);
    for (const admin::Report &r : reports)
        html += QStringLiteral("<li>%1 <b>%2</b>: %3, %4 severity — %5%6</li>")
                    .arg(when(r.createdAt),
                         r.reporterUserId == personId ? QStringLiteral("filed by them")
                                                      : QStringLiteral("about them"),
                         words::reason(r.reasonCode).toHtmlEscaped(), words::severity(r.severity),
                         words::reportStatus(r.status),
                         r.action.isEmpty() ? QString()
                                            : QStringLiteral(" (%1)").arg(words::action(r.action)));
    return html + QStringLiteral("</ul>");
}

/// A staff member in words; another one's id is there, in small print, to look them up.
QString staffHtml(const QString &userId, const QString &signedInUserId)
{
    const QString who = words::staffMember(userId, signedInUserId);
    return userId == signedInUserId ? who
                                    : QStringLiteral("%1 <small>(id %2)</small>").arg(who, userId);
}

/// Who holds the report and until when.
QString claimHtml(const admin::Report &r, const QString &signedInUserId)
{
    if (r.claimedByUserId.isEmpty())
        return QStringLiteral("nobody");
    return QStringLiteral("%1 until %2")
        .arg(staffHtml(r.claimedByUserId, signedInUserId), when(r.claimedUntil));
}

QString detailHtml(const admin::ReportDetail &d, const QString &signedInUserId)
{
    const admin::Report &r = d.report;
    QString html =
        QStringLiteral("<h3>%1 %2 — %3</h3><p>Status: <b>%4</b>%5<br>Created %6"
                       "<br>Claimed by: %7</p><p>%8</p>")
            .arg(words::severity(r.severity),
                 r.source == QLatin1String("rules") ? QStringLiteral("item of the chat rules")
                                                    : QStringLiteral("report"),
                 words::reason(r.reasonCode).toHtmlEscaped(), words::reportStatus(r.status),
                 r.escalated() ? QStringLiteral(" — <b>⚠ escalated</b>") : QString(),
                 when(r.createdAt), claimHtml(r, signedInUserId), r.detailsText.toHtmlEscaped());
    if (!r.action.isEmpty())
        html += QStringLiteral("<p>Action: <b>%1</b> by %2 at %3: %4</p>")
                    .arg(words::action(r.action), staffHtml(r.actionedByUserId, signedInUserId),
                         when(r.actionedAt), r.actionNote.toHtmlEscaped());
    html += briefHtml(QStringLiteral("Reporter"), d.reporter);
    html += briefHtml(QStringLiteral("Reported"), d.reported);
    if (!d.messages.isEmpty()) {
        html += QStringLiteral("<h4>Conversation around the reported moment</h4>");
        for (const admin::ReportMessage &m : d.messages) {
            const bool evidence = m.id == r.evidenceMessageId;
            html +=
                QStringLiteral("<p><small>%1 %2</small> %3%4%5</p>")
                    .arg(when(m.createdAt),
                         m.senderUserId == r.reportedUserId ? QStringLiteral("reported:")
                                                            : QStringLiteral("other:"),
                         m.text.toHtmlEscaped(),
                         m.moderationLabel.isEmpty()
                             ? QString()
                             : QStringLiteral(" <b>⚑ flagged: %1</b>")
                                   .arg(words::moderationLabel(m.moderationLabel).toHtmlEscaped()),
                         evidence ? QStringLiteral(" ← this item") : QString());
        }
    }
    if (!d.blockedMessages.isEmpty()) {
        html += QStringLiteral("<h4>Blocked by the rules (never delivered)</h4>");
        for (const admin::ReportMessage &m : d.blockedMessages)
            html += QStringLiteral("<p><small>%1</small> ⛔ %2 <i>(%3)</i></p>")
                        .arg(when(m.createdAt), m.text.toHtmlEscaped(),
                             words::moderationLabel(m.moderationLabel).toHtmlEscaped());
    }
    // An item of the rules has no reporter: nothing to show on that side.
    if (!r.reporterUserId.isEmpty())
        html += historyHtml(QStringLiteral("Earlier reports by and about the reporter"),
                            r.reporterUserId, d.reporterHistory);
    html += historyHtml(QStringLiteral("Earlier reports about and by the reported person"),
                        r.reportedUserId, d.reportedHistory);
    return html;
}

QString emptyStateHtml()
{
    return QStringLiteral(
        "<h3>Nothing waiting</h3><p>No reports match these filters. New reports and messages "
        "the chat rules flag appear here by themselves as they arrive; high and critical ones "
        "also show a desktop notification.</p><p>Widen the filters (status <i>All</i>, <i>Any "
        "severity</i>, not only your claims) to look at earlier ones. Keys: J/K next/previous, C "
        "claim, N note, A apply the action, M my claims.</p>");
}

QString selectHintHtml()
{
    return QStringLiteral(
        "<h3>Select a report (J/K) to see its evidence</h3><p>Click a row, or press J for the "
        "next report and K for the previous one. Then: C claim, N note, A apply the action, M "
        "my claims.</p>");
}

} // namespace

ReportsTab::ReportsTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_model(new ReportsModel(this)),
      m_proxy(new QSortFilterProxyModel(this)), m_table(new QTableView(this)),
      m_statusFilter(new QComboBox(this)), m_severityFilter(new QComboBox(this)),
      m_escalatedOnly(new QCheckBox(tr("Escalated only"), this)),
      m_myClaims(new QCheckBox(tr("My claims"), this)), m_sourceFilter(new QComboBox(this)),
      m_textFilter(new QLineEdit(this)), m_detail(new QTextBrowser(this)),
      m_trustChart(new TrustChart(tr("Trust of both people"), this)),
      m_claim(new QPushButton(tr("Claim"), this)), m_action(new QComboBox(this)),
      m_amount(new QSpinBox(this)), m_note(new QPlainTextEdit(this)),
      m_apply(new QPushButton(tr("Apply action"), this)), m_status(new QLabel(this)),
      m_feedback(new QLabel(this))
{
    m_table->setObjectName(QStringLiteral("reportsTable"));
    m_claim->setObjectName(QStringLiteral("claimButton"));
    m_action->setObjectName(QStringLiteral("actionCombo"));
    m_note->setObjectName(QStringLiteral("actionNote"));
    m_apply->setObjectName(QStringLiteral("applyActionButton"));
    m_status->setObjectName(QStringLiteral("reportsStatus"));
    m_feedback->setObjectName(QStringLiteral("actionFeedback"));
    m_feedback->setWordWrap(true);
    m_statusFilter->setObjectName(QStringLiteral("statusFilter"));
    m_myClaims->setObjectName(QStringLiteral("myClaims"));
    m_sourceFilter->setObjectName(QStringLiteral("sourceFilter"));
    m_detail->setObjectName(QStringLiteral("reportDetail"));
    m_sourceFilter->addItem(tr("reports and rule items"), QString());
    m_sourceFilter->addItem(tr("reports only"), QStringLiteral("report"));
    m_sourceFilter->addItem(tr("rule items only"), QStringLiteral("rules"));

    // Words shown, keys kept as the items' data for the queries.
    m_statusFilter->addItem(tr("Unresolved (open or claimed)"), QStringLiteral("unresolved"));
    for (const char *status : {"open", "triaged", "actioned", "dismissed"})
        m_statusFilter->addItem(words::reportStatus(QLatin1String(status)), QLatin1String(status));
    m_statusFilter->addItem(tr("All"), QStringLiteral("all"));
    m_severityFilter->addItem(tr("Any severity"), QString());
    for (const char *severity : {"low", "medium", "high", "critical"})
        m_severityFilter->addItem(words::severity(QLatin1String(severity)),
                                  QLatin1String(severity));
    m_textFilter->setPlaceholderText(tr("Filter shown rows…"));
    for (const QString &action : admin::ReportActionRequest::actions())
        m_action->addItem(words::action(action), action);
    m_note->setPlaceholderText(tr("Note (required, kept in the audit log)"));
    m_note->setMaximumHeight(70);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ReportsModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ReportsModel::Severity, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Status"), this));
    filters->addWidget(m_statusFilter);
    filters->addWidget(m_severityFilter);
    filters->addWidget(m_escalatedOnly);
    filters->addWidget(m_myClaims);
    filters->addWidget(m_sourceFilter);
    filters->addWidget(m_textFilter, 1);

    auto *actions = new QHBoxLayout;
    actions->addWidget(m_claim);
    actions->addWidget(m_action);
    actions->addWidget(m_amount);
    actions->addWidget(m_apply);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_reportedAvatar = new AvatarLabel(m_client, right);
    rightLayout->addWidget(m_reportedAvatar);
    rightLayout->addWidget(m_detail, 1);
    m_trustChart->setObjectName(QStringLiteral("reportTrustChart"));
    m_trustChart->setMinimumHeight(180);
    m_trustChart->setMaximumHeight(260);
    rightLayout->addWidget(m_trustChart);
    rightLayout->addWidget(m_note);
    rightLayout->addLayout(actions);
    rightLayout->addWidget(m_feedback);

    auto *split = new QSplitter(this);
    split->addWidget(m_table);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, &ReportsTab::refresh);
    connect(m_severityFilter, &QComboBox::currentIndexChanged, this, &ReportsTab::refresh);
    connect(m_escalatedOnly, &QCheckBox::toggled, this, &ReportsTab::refresh);
    connect(m_myClaims, &QCheckBox::toggled, this, &ReportsTab::refresh);
    connect(m_sourceFilter, &QComboBox::currentIndexChanged, this, &ReportsTab::refresh);
    connect(m_textFilter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    // Typed after the filter took it: the rows the pane speaks of are the ones left.
    connect(m_textFilter, &QLineEdit::textChanged, this, [this] {
        if (selectedId().isEmpty())
            showEmptyState();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReportsTab::loadDetail);
    connect(m_claim, &QPushButton::clicked, this, &ReportsTab::claim);
    connect(m_apply, &QPushButton::clicked, this, &ReportsTab::act);
    connect(&m_timer, &QTimer::timeout, this, &ReportsTab::refresh);
    m_timer.start(kRefreshMs);
    m_alertRefresh.setSingleShot(true);
    m_alertRefresh.setInterval(kAlertRefreshMs);
    connect(&m_alertRefresh, &QTimer::timeout, this, &ReportsTab::refresh);

    // Keyboard triage: shortcuts while the tab has focus (shown in the tooltips), and the same
    // keys taken from the table directly. Where a letter is input (a combo box jumps to the
    // item it starts; text fields take it anyway) the shortcuts give way: see eventFilter().
    addShortcut(tr("Next report"), QKeySequence(Qt::Key_J), [this] { moveSelection(1); });
    addShortcut(tr("Previous report"), QKeySequence(Qt::Key_K), [this] { moveSelection(-1); });
    m_claimAction = addShortcut(tr("Claim"), QKeySequence(Qt::Key_C), [this] { claim(); });
    addShortcut(tr("Write a note"), QKeySequence(Qt::Key_N), [this] { m_note->setFocus(); });
    m_applyAction = addShortcut(tr("Apply the action"), QKeySequence(Qt::Key_A), [this] { act(); });
    addShortcut(tr("My claims only"), QKeySequence(Qt::Key_M), [this] { m_myClaims->toggle(); });
    m_claim->setToolTip(tr("Claim the selected report (C)"));
    m_apply->setToolTip(tr("Apply the chosen action with the note (A)"));
    m_note->setToolTip(tr("Note for the audit log, required (N to write, Esc to go back)"));
    m_myClaims->setToolTip(tr("Only reports you hold a claim on (M)"));
    m_table->setToolTip(tr("J/K: next/previous report"));
    m_action->setToolTip(tr("The action A applies"));
    m_amount->setObjectName(QStringLiteral("actionAmount"));
    m_amount->setRange(-admin::ReportActionRequest::kMaxRestrictHours,
                       admin::ReportActionRequest::kMaxRestrictHours);
    m_amount->setToolTip(tr("%1: hours (0: %2); %3: trust points, -%4..%4")
                             .arg(words::action(QStringLiteral("restrict")))
                             .arg(admin::ReportActionRequest::kDefaultRestrictHours)
                             .arg(words::action(QStringLiteral("manual_review")))
                             .arg(admin::ReportActionRequest::kMaxTrustDelta));
    m_table->installEventFilter(this);
    m_note->installEventFilter(this);
    for (QComboBox *combo : findChildren<QComboBox *>())
        combo->installEventFilter(this);
    showEmptyState();
}

QAction *ReportsTab::addShortcut(const QString &text, const QKeySequence &key,
                                 std::function<void()> triggered)
{
    auto *action = new QAction(QStringLiteral("%1 (%2)").arg(text, key.toString()), this);
    action->setShortcut(key);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(action, &QAction::triggered, this, std::move(triggered));
    addAction(action);
    return action;
}

bool ReportsTab::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::ShortcutOverride && qobject_cast<QComboBox *>(watched)) {
        // A letter typed into a combo box picks its item: accepting the override hands the key
        // to the combo box instead of a triage shortcut (typing "a" in the status filter
        // applied the chosen action to the selected report).
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool plain = !(key->modifiers() & ~(Qt::ShiftModifier | Qt::KeypadModifier));
        if (plain && !key->text().isEmpty() && key->text().front().isPrint()) {
            event->accept();
            return true;
        }
    }
    if (event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    const auto *key = static_cast<QKeyEvent *>(event);
    if (watched == m_note) {
        if (key->key() == Qt::Key_Escape) {
            m_table->setFocus();
            return true;
        }
        return QWidget::eventFilter(watched, event);
    }
    // The table takes the triage keys directly (a combo box keeps its letters, above).
    if (watched != m_table || (key->modifiers() & ~Qt::KeypadModifier))
        return QWidget::eventFilter(watched, event);
    for (QAction *action : actions()) {
        if (action->shortcut() == QKeySequence(key->key())) {
            action->trigger();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ReportsTab::moveSelection(int step)
{
    const int rows = m_proxy->rowCount();
    if (rows == 0)
        return;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    int row = selected.isEmpty() ? (step > 0 ? 0 : rows - 1) : selected.first().row() + step;
    row = std::clamp(row, 0, rows - 1);
    const QModelIndex index = m_proxy->index(row, 0);
    m_table->selectionModel()->select(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
}

void ReportsTab::followAlerts(StaffAlerts *alerts)
{
    m_alerts = alerts;
    if (QSystemTrayIcon::isSystemTrayAvailable() && !m_tray) {
        m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
        m_tray->setToolTip(tr("Friendship console"));
        m_tray->show();
    }
    connect(alerts, &StaffAlerts::alert, this, &ReportsTab::onAlert);
    // Live: no polling; down: poll until it is back.
    connect(alerts, &StaffAlerts::liveChanged, this, [this](bool live) {
        if (live) {
            m_timer.stop();
            refresh();
        } else {
            m_timer.start(kRefreshMs);
        }
    });
}

void ReportsTab::onAlert(const StaffAlert &alert)
{
    if (alert.needsAttention() &&
        (alert.severity == QLatin1String("high") || alert.severity == QLatin1String("critical")))
        notify(alert);
    m_alertRefresh.start();
    if (alert.reportId == m_detailId)
        loadDetail();
}

void ReportsTab::notify(const StaffAlert &alert)
{
    const QString what = alert.kind == QLatin1String("report.escalated")
        ? tr("escalated: nobody has claimed it")
        : alert.kind == QLatin1String("moderation.flagged")   ? tr("flagged by the chat rules")
        : alert.kind == QLatin1String("report.claim_expired") ? tr("back in the queue")
                                                              : tr("new report");
    m_lastNotification =
        tr("%1 severity — %2: %3")
            .arg(words::severity(alert.severity), words::reason(alert.reasonCode), what);
    if (m_tray)
        m_tray->showMessage(tr("Moderation: %1").arg(words::severity(alert.severity)),
                            m_lastNotification,
                            alert.severity == QLatin1String("critical") ? QSystemTrayIcon::Critical
                                                                        : QSystemTrayIcon::Warning);
}

QString ReportsTab::badgeText() const
{
    QStringList parts;
    for (const char *severity : {"critical", "high", "medium", "low"}) {
        if (const int n = m_badge.value(QLatin1String(severity)); n > 0)
            parts << QStringLiteral("%1 %2").arg(n).arg(words::severity(QLatin1String(severity)));
    }
    return parts.join(QStringLiteral(" · "));
}

QString ReportsTab::detailText() const
{
    return m_detail->toPlainText();
}

void ReportsTab::refreshBadge()
{
    // The badge is the work nobody holds: unresolved reports without a live claim.
    admin::ReportQuery query;
    query.status = QStringLiteral("open");
    m_client->reports(query,
                      [self = QPointer(this)](const Result<admin::Page<admin::Report>> &open) {
                          if (!self || !open)
                              return;
                          admin::ReportQuery triaged;
                          triaged.status = QStringLiteral("triaged");
                          const QList<admin::Report> first = open->items;
                          self->m_client->reports(
                              triaged, [self, first](const Result<admin::Page<admin::Report>> &t) {
                                  if (!self || !t)
                                      return;
                                  QMap<QString, int> badge;
                                  for (const admin::Report &r : first + t->items) {
                                      if (r.claimedByUserId.isEmpty())
                                          ++badge[r.severity];
                                  }
                                  if (badge != self->m_badge) {
                                      self->m_badge = badge;
                                      Q_EMIT self->badgeChanged();
                                  }
                              });
                      });
}

void ReportsTab::showEmptyState()
{
    // Rows but no selection: how to pick one. No rows: what to do about that.
    m_detail->setHtml(m_proxy->rowCount() > 0 ? selectHintHtml() : emptyStateHtml());
}

QString ReportsTab::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(ReportsModel::IdRole).toString();
}

void ReportsTab::selectReport(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->select(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void ReportsTab::setStatus(const QString &text)
{
    m_status->setText(text);
}

void ReportsTab::showFeedback(const QString &text, bool error)
{
    m_feedbackIsError = error;
    showStatus(m_feedback, text, error);
}

QString ReportsTab::feedbackText() const
{
    return m_feedback->text();
}

void ReportsTab::refresh()
{
    if (!m_client->signedIn())
        return;
    admin::ReportQuery query;
    query.status = m_statusFilter->currentData().toString();
    query.severity = m_severityFilter->currentData().toString();
    query.escalatedOnly = m_escalatedOnly->isChecked();
    query.source = m_sourceFilter->currentData().toString();
    query.claimedByMe = m_myClaims->isChecked();
    refreshBadge();
    // "unresolved" is open plus triaged (claimed): a claimed report must stay in view while
    // its moderator decides. The server filters one status at a time, so ask twice and merge.
    const bool unresolved = query.status == QLatin1String("unresolved");
    if (unresolved)
        query.status = QStringLiteral("open");
    m_client->reports(
        query,
        [self = QPointer(this), query, unresolved](const Result<admin::Page<admin::Report>> &r) {
            if (!self)
                return;
            if (!r || !unresolved) {
                self->showReports(r, {});
                return;
            }
            admin::ReportQuery triaged = query;
            triaged.status = QStringLiteral("triaged");
            const QList<admin::Report> open = r->items;
            self->m_client->reports(triaged,
                                    [self, open](const Result<admin::Page<admin::Report>> &t) {
                                        if (self)
                                            self->showReports(t, open);
                                    });
        });
}

void ReportsTab::showReports(const Result<admin::Page<admin::Report>> &r,
                             const QList<admin::Report> &earlier)
{
    if (r) {
        const QString selected = selectedId();
        m_model->setSignedInUserId(m_client->identity().userId);
        m_model->setReports(earlier + r->items);
        if (!selected.isEmpty() && selectedId() != selected)
            selectReport(selected);
        setStatus(tr("%1 reports").arg(earlier.size() + r->items.size()));
        if (selectedId().isEmpty())
            showEmptyState();
        if (m_model->rowCount() == 0)
            setStatus(tr("No reports waiting with these filters."));
    } else if (!admin::AdminClient::isUnreachable(r.error())) {
        setStatus(r.error().message);
    }
    Q_EMIT refreshed();
}

void ReportsTab::loadDetail()
{
    const QString id = selectedId();
    // Nothing of the people of the report shown before stays while this one's load.
    if (id != m_detailId)
        m_trustChart->clear();
    m_detailId = id;
    if (id.isEmpty()) {
        showEmptyState();
        m_reportedAvatar->showAvatar({});
        return;
    }
    // Opening a report is audit-logged on the server; only do it when the selection changes.
    m_client->report(id, [self = QPointer(this), id](const Result<admin::ReportDetail> &r) {
        if (!self || self->m_detailId != id)
            return;
        self->m_detail->setHtml(r ? detailHtml(*r, self->m_client->identity().userId)
                                  : r.error().message);
        // The reported person's avatar: what an inappropriate_avatar report is about.
        self->m_reportedAvatar->showAvatar(r ? r->reported.avatarUrl : QString());
        if (!r)
            return;
        self->showTrust(QStringLiteral("reporter"), r->reporter.userId, id);
        self->showTrust(QStringLiteral("reported"), r->reported.userId, id);
        Q_EMIT self->detailShown(id);
    });
}

void ReportsTab::showTrust(const QString &side, const QString &userId, const QString &reportId)
{
    if (userId.isEmpty())
        return; // an item of the rules has no reporter
    m_client->trustHistory(
        userId, {}, {},
        [self = QPointer(this), side, reportId](const Result<admin::TimeSeries> &r) {
            if (!self || self->m_detailId != reportId)
                return;
            if (r)
                self->m_trustChart->setHistory(side, *r);
            else
                self->m_trustChart->showError(side, r.error());
        });
}

void ReportsTab::setRequestInFlight(bool inFlight)
{
    m_requestInFlight = inFlight;
    for (QWidget *button : {m_claim, m_apply})
        button->setEnabled(!inFlight);
    for (QAction *action : {m_claimAction, m_applyAction})
        action->setEnabled(!inFlight);
}

void ReportsTab::claim()
{
    if (m_requestInFlight)
        return;
    const QString id = selectedId();
    if (id.isEmpty()) {
        showFeedback(tr("Select a report first (J/K)."), true);
        return;
    }
    setRequestInFlight(true);
    showFeedback(tr("Claiming…"), false);
    m_client->claim(id, [self = QPointer(this), id](const Result<admin::Report> &r) {
        if (!self)
            return;
        self->setRequestInFlight(false);
        if (r)
            self->showFeedback(self->tr("Claimed until %1.").arg(clockTime(r->claimedUntil)),
                               false);
        else
            self->showFeedback(self->tr("Claim failed: %1.").arg(refusal(r.error())), true);
        self->refresh();
        if (self->selectedId() == id)
            self->loadDetail();
    });
}

void ReportsTab::act()
{
    if (m_requestInFlight)
        return;
    const QString id = selectedId();
    if (id.isEmpty()) {
        showFeedback(tr("Select a report first (J/K)."), true);
        return;
    }
    admin::ReportActionRequest request;
    request.action = m_action->currentData().toString();
    request.note = m_note->toPlainText().trimmed();
    if (request.action == QLatin1String("restrict"))
        request.restrictHours = std::max(0, m_amount->value());
    if (request.action == QLatin1String("manual_review"))
        request.trustDelta = m_amount->value();
    const QJsonObject problems = request.problems();
    if (!problems.isEmpty()) {
        QStringList why;
        for (auto it = problems.begin(); it != problems.end(); ++it)
            why << QStringLiteral("%1 %2").arg(words::actionField(it.key()), it.value().toString());
        showFeedback(tr("Cannot apply: %1.").arg(why.join(QStringLiteral("; "))), true);
        return;
    }
    setRequestInFlight(true);
    showFeedback(tr("Applying “%1”…").arg(words::action(request.action)), false);
    m_client->act(id, request, [self = QPointer(this), id](const Result<admin::Report> &r) {
        if (!self)
            return;
        self->setRequestInFlight(false);
        if (r) {
            self->m_note->clear();
            self->showFeedback(
                self->tr("Report %1: “%2” applied.").arg(id.left(8), words::action(r->action)),
                false);
        } else {
            self->showFeedback(self->tr("Action failed: %1.").arg(refusal(r.error())), true);
        }
        self->refresh();
        if (self->selectedId() == id)
            self->loadDetail();
    });
}

} // namespace fp::console
