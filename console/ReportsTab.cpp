#include "console/ReportsTab.h"

#include "common/AdminClient.h"
#include "console/AvatarLabel.h"
#include "console/ReportsModel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace fp::console {

namespace {

constexpr int kRefreshMs = 10000;

QString when(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                       : QStringLiteral("—");
}

QString briefHtml(const QString &label, const admin::UserBrief &u)
{
    return QStringLiteral("<p><b>%1</b>: %2 (%3, %4) — trust %5; reports filed %6, against %7 "
                          "(%8 confirmed)<br><small>%9</small></p>")
        .arg(label, u.nickname.toHtmlEscaped(), u.status, u.role)
        .arg(u.trustScore)
        .arg(u.reportsFiled)
        .arg(u.reportsAgainst)
        .arg(u.reportsAgainstConfirmed)
        .arg(u.userId);
}

QString detailHtml(const admin::ReportDetail &d)
{
    const admin::Report &r = d.report;
    QString html =
        QStringLiteral("<h3>%1 report — %2</h3><p>Status: <b>%3</b>%4<br>Created %5"
                       "<br>Claimed by: %6 until %7</p><p>%8</p>")
            .arg(r.severity, r.reasonCode.toHtmlEscaped(), r.status,
                 r.escalated() ? QStringLiteral(" — <b>⚠ escalated</b>") : QString(),
                 when(r.createdAt),
                 r.claimedByUserId.isEmpty() ? QStringLiteral("nobody") : r.claimedByUserId,
                 when(r.claimedUntil), r.detailsText.toHtmlEscaped());
    if (!r.action.isEmpty())
        html += QStringLiteral("<p>Action: <b>%1</b> by %2 at %3: %4</p>")
                    .arg(r.action, r.actionedByUserId, when(r.actionedAt),
                         r.actionNote.toHtmlEscaped());
    html += briefHtml(QStringLiteral("Reporter"), d.reporter);
    html += briefHtml(QStringLiteral("Reported"), d.reported);
    if (!d.messages.isEmpty()) {
        html += QStringLiteral("<h4>Conversation excerpt</h4>");
        for (const admin::ReportMessage &m : d.messages)
            html += QStringLiteral("<p><small>%1 %2</small> %3%4</p>")
                        .arg(when(m.createdAt),
                             m.senderUserId == r.reportedUserId ? QStringLiteral("reported:")
                                                                : QStringLiteral("reporter:"),
                             m.text.toHtmlEscaped(),
                             m.moderationLabel.isEmpty()
                                 ? QString()
                                 : QStringLiteral(" <i>[%1]</i>").arg(m.moderationLabel));
    }
    html += QStringLiteral("<p>History: %1 other reports by the reporter, %2 against the "
                           "reported user.</p>")
                .arg(d.reporterHistory.size())
                .arg(d.reportedHistory.size());
    return html;
}

} // namespace

ReportsTab::ReportsTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_model(new ReportsModel(this)),
      m_proxy(new QSortFilterProxyModel(this)), m_table(new QTableView(this)),
      m_statusFilter(new QComboBox(this)), m_severityFilter(new QComboBox(this)),
      m_escalatedOnly(new QCheckBox(tr("Escalated only"), this)), m_textFilter(new QLineEdit(this)),
      m_detail(new QTextBrowser(this)), m_claim(new QPushButton(tr("Claim"), this)),
      m_action(new QComboBox(this)), m_note(new QPlainTextEdit(this)),
      m_apply(new QPushButton(tr("Apply action"), this)), m_status(new QLabel(this))
{
    m_table->setObjectName(QStringLiteral("reportsTable"));
    m_claim->setObjectName(QStringLiteral("claimButton"));
    m_action->setObjectName(QStringLiteral("actionCombo"));
    m_note->setObjectName(QStringLiteral("actionNote"));
    m_apply->setObjectName(QStringLiteral("applyActionButton"));
    m_status->setObjectName(QStringLiteral("reportsStatus"));
    m_statusFilter->setObjectName(QStringLiteral("statusFilter"));

    m_statusFilter->addItems({QStringLiteral("unresolved"), QStringLiteral("open"),
                              QStringLiteral("triaged"), QStringLiteral("actioned"),
                              QStringLiteral("dismissed"), QStringLiteral("all")});
    m_severityFilter->addItem(tr("any severity"), QString());
    for (const char *s : {"low", "medium", "high", "critical"})
        m_severityFilter->addItem(QLatin1String(s), QLatin1String(s));
    m_textFilter->setPlaceholderText(tr("Filter shown rows…"));
    m_action->addItems(admin::ReportActionRequest::actions());
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
    filters->addWidget(m_textFilter, 1);

    auto *actions = new QHBoxLayout;
    actions->addWidget(m_claim);
    actions->addWidget(m_action);
    actions->addWidget(m_apply);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_reportedAvatar = new AvatarLabel(m_client, right);
    rightLayout->addWidget(m_reportedAvatar);
    rightLayout->addWidget(m_detail, 1);
    rightLayout->addWidget(m_note);
    rightLayout->addLayout(actions);

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
    connect(m_textFilter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReportsTab::loadDetail);
    connect(m_claim, &QPushButton::clicked, this, &ReportsTab::claim);
    connect(m_apply, &QPushButton::clicked, this, &ReportsTab::act);
    connect(&m_timer, &QTimer::timeout, this, &ReportsTab::refresh);
    m_timer.start(kRefreshMs);
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

void ReportsTab::refresh()
{
    if (!m_client->signedIn())
        return;
    admin::ReportQuery query;
    query.status = m_statusFilter->currentText();
    query.severity = m_severityFilter->currentData().toString();
    query.escalatedOnly = m_escalatedOnly->isChecked();
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
        m_model->setReports(earlier + r->items);
        if (!selected.isEmpty() && selectedId() != selected)
            selectReport(selected);
        setStatus(tr("%1 reports").arg(earlier.size() + r->items.size()));
    } else if (!admin::AdminClient::isUnreachable(r.error())) {
        setStatus(r.error().message);
    }
    Q_EMIT refreshed();
}

void ReportsTab::loadDetail()
{
    const QString id = selectedId();
    m_detailId = id;
    if (id.isEmpty()) {
        m_detail->clear();
        m_reportedAvatar->showAvatar({});
        return;
    }
    // Opening a report is audit-logged on the server; only do it when the selection changes.
    m_client->report(id, [self = QPointer(this), id](const Result<admin::ReportDetail> &r) {
        if (!self || self->m_detailId != id)
            return;
        self->m_detail->setHtml(r ? detailHtml(*r) : r.error().message);
        // The reported person's avatar: what an inappropriate_avatar report is about.
        self->m_reportedAvatar->showAvatar(r ? r->reported.avatarUrl : QString());
    });
}

void ReportsTab::claim()
{
    const QString id = selectedId();
    if (id.isEmpty()) {
        setStatus(tr("Select a report first."));
        return;
    }
    m_client->claim(id, [self = QPointer(this), id](const Result<admin::Report> &r) {
        if (!self)
            return;
        self->setStatus(r ? self->tr("Claimed until %1.").arg(when(r->claimedUntil))
                          : self->tr("Claim failed: %1").arg(r.error().message));
        self->refresh();
        if (self->selectedId() == id)
            self->loadDetail();
    });
}

void ReportsTab::act()
{
    const QString id = selectedId();
    if (id.isEmpty()) {
        setStatus(tr("Select a report first."));
        return;
    }
    admin::ReportActionRequest request {m_action->currentText(), m_note->toPlainText().trimmed()};
    const QJsonObject problems = request.problems();
    if (!problems.isEmpty()) {
        setStatus(
            tr("Cannot apply: note %1.").arg(problems.value(QStringLiteral("note")).toString()));
        return;
    }
    m_apply->setEnabled(false);
    m_client->act(id, request, [self = QPointer(this), id](const Result<admin::Report> &r) {
        if (!self)
            return;
        self->m_apply->setEnabled(true);
        if (r) {
            self->m_note->clear();
            self->setStatus(self->tr("Report %1: %2.").arg(id.left(8), r->action));
        } else {
            self->setStatus(self->tr("Action failed: %1").arg(r.error().message));
        }
        self->refresh();
        if (self->selectedId() == id)
            self->loadDetail();
    });
}

} // namespace fp::console
