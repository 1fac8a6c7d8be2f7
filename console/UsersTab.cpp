#include "console/UsersTab.h"

#include "common/AdminClient.h"
#include "console/AvatarLabel.h"
#include "console/ChartSupport.h"
#include "console/TrustChart.h"
#include "console/Words.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace fp::console {

namespace {

QString when(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                       : QStringLiteral("—");
}

QTableWidget *table(const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->hide();
    return t;
}

void setRow(QTableWidget *t, int row, const QStringList &cells)
{
    for (int c = 0; c < cells.size(); ++c)
        t->setItem(row, c, new QTableWidgetItem(cells[c]));
}

} // namespace

UsersTab::UsersTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_query(new QLineEdit(this)),
      m_results(table(
          {tr("Nickname"), tr("Email"), tr("Status"), tr("Role"), tr("Trust"), tr("Id")}, this)),
      m_detail(new QTextBrowser(this)), m_trustChart(new TrustChart(tr("Trust score"), this)),
      m_ledger(table({tr("When"), tr("Δ"), tr("Score after"), tr("Source"), tr("Details")}, this)),
      m_newStatus(new QComboBox(this)), m_note(new QLineEdit(this)),
      m_applyStatus(new QPushButton(tr("Change status"), this)), m_status(new QLabel(this))
{
    m_query->setObjectName(QStringLiteral("userQuery"));
    m_results->setObjectName(QStringLiteral("userResults"));
    m_ledger->setObjectName(QStringLiteral("trustLedger"));
    m_note->setObjectName(QStringLiteral("statusNote"));
    m_newStatus->setObjectName(QStringLiteral("newStatus"));
    m_status->setObjectName(QStringLiteral("usersStatus"));
    m_query->setPlaceholderText(tr("User id, or the start of an email or nickname"));
    // Words shown, the key kept as the item's data for the request.
    for (const QString &status : admin::StatusChange::statuses())
        m_newStatus->addItem(words::userStatus(status), status);
    m_note->setPlaceholderText(tr("Note (required)"));
    auto *searchButton = new QPushButton(tr("Search"), this);
    m_applyStatus->setObjectName(QStringLiteral("changeStatusButton"));

    auto *top = new QHBoxLayout;
    top->addWidget(m_query, 1);
    top->addWidget(searchButton);
    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_newStatus);
    statusRow->addWidget(m_note, 1);
    statusRow->addWidget(m_applyStatus);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_avatar = new AvatarLabel(m_client, right);
    rightLayout->addWidget(m_avatar);
    rightLayout->addWidget(m_detail, 1);
    rightLayout->addLayout(statusRow);
    rightLayout->addWidget(m_trustChart, 2);
    rightLayout->addWidget(m_ledger, 2);
    auto *split = new QSplitter(this);
    split->addWidget(m_results);
    split->addWidget(right);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    const auto doSearch = [this] {
        search(m_query->text());
    };
    connect(searchButton, &QPushButton::clicked, this, doSearch);
    connect(m_query, &QLineEdit::returnPressed, this, doSearch);
    connect(m_results, &QTableWidget::itemSelectionChanged, this, [this] {
        const int row = m_results->currentRow();
        if (row >= 0 && m_results->item(row, 5))
            showUser(m_results->item(row, 5)->text());
    });
    connect(m_applyStatus, &QPushButton::clicked, this, &UsersTab::changeStatus);
}

void UsersTab::search(const QString &query)
{
    if (query.trimmed().isEmpty())
        return;
    m_client->searchUsers(
        query.trimmed(), [self = QPointer(this)](const Result<admin::Page<admin::User>> &r) {
            if (!self)
                return;
            if (!r) {
                self->setStatus(self->tr("The search failed: %1").arg(describe(r.error())), true);
                return;
            }
            self->m_results->setRowCount(int(r->items.size()));
            for (int i = 0; i < r->items.size(); ++i) {
                const admin::User &u = r->items[i];
                setRow(self->m_results, i,
                       {u.nickname, u.email, words::userStatus(u.status), words::role(u.role),
                        QString::number(u.trustScore), u.id});
            }
            self->setStatus(self->tr("%1 users found").arg(r->items.size()));
        });
}

void UsersTab::refresh()
{
    if (!m_userId.isEmpty())
        showUser(m_userId);
}

void UsersTab::showUser(const QString &id)
{
    // Another person: nothing of the one before stays on screen while this one's load.
    if (id != m_userId) {
        m_trustChart->clear();
        m_ledger->setRowCount(0);
    }
    m_userId = id;
    m_client->user(id, [self = QPointer(this), id](const Result<admin::User> &r) {
        if (!self || self->m_userId != id)
            return;
        if (!r) {
            self->m_avatar->showAvatar({});
            self->m_detail->setText(describe(r.error()));
            return;
        }
        const admin::User &u = *r;
        self->m_avatar->showAvatar(u.avatarUrl);
        self->m_detail->setHtml(
            self->tr("<h3>%1</h3><p>%2<br>Status <b>%3</b>%4 — role %5<br>Trust score <b>%6</b>"
                     "<br>Joined %7, last seen %8<br>Open reports against: %9, reports filed: "
                     "%10, active sessions: %11<br>Signs in with: %12</p><small>%13</small>")
                .arg(u.nickname.toHtmlEscaped(), u.email.toHtmlEscaped(),
                     words::userStatus(u.status),
                     u.restrictedUntil.isValid()
                         ? self->tr(" until %1").arg(when(u.restrictedUntil))
                         : QString(),
                     words::role(u.role))
                .arg(u.trustScore)
                .arg(when(u.createdAt), when(u.lastSeenAt))
                .arg(u.openReportsAgainst)
                .arg(u.reportsFiled)
                .arg(u.activeSessions)
                .arg(u.signInMethods.isEmpty() ? self->tr("nothing (deleted)")
                                               : u.signInMethods.join(QStringLiteral(", ")),
                     u.id));
    });
    m_client->trustHistory(id, {}, {},
                           [self = QPointer(this), id](const Result<admin::TimeSeries> &r) {
                               if (!self || self->m_userId != id)
                                   return;
                               if (r)
                                   self->m_trustChart->setHistory(self->tr("score"), *r);
                               else
                                   self->m_trustChart->showError(self->tr("score"), r.error());
                           });
    m_client->trustEvents(
        id, [self = QPointer(this), id](const Result<admin::Page<admin::TrustEvent>> &r) {
            if (!self || self->m_userId != id)
                return;
            if (!r) {
                self->m_ledger->setRowCount(0);
                self->setStatus(
                    self->tr("The trust ledger could not be loaded: %1").arg(describe(r.error())),
                    true);
                return;
            }
            self->m_ledger->setRowCount(int(r->items.size()));
            for (int i = 0; i < r->items.size(); ++i) {
                const admin::TrustEvent &e = r->items[i];
                setRow(
                    self->m_ledger, i,
                    {when(e.createdAt), QString::asprintf("%+d", e.delta),
                     QString::number(e.scoreAfter), e.source,
                     QString::fromUtf8(QJsonDocument(e.metadata).toJson(QJsonDocument::Compact))});
            }
        });
}

void UsersTab::changeStatus()
{
    if (m_statusChangeInFlight)
        return;
    if (m_userId.isEmpty()) {
        setStatus(tr("Select a user first."), true);
        return;
    }
    admin::StatusChange change;
    change.status = m_newStatus->currentData().toString();
    change.note = m_note->text().trimmed();
    if (!change.problems().isEmpty()) {
        setStatus(tr("A note is required."), true);
        return;
    }
    m_statusChangeInFlight = true;
    m_applyStatus->setEnabled(false);
    m_client->changeStatus(m_userId, change, [self = QPointer(this)](const Result<admin::User> &r) {
        if (!self)
            return;
        self->m_statusChangeInFlight = false;
        self->m_applyStatus->setEnabled(true);
        if (r)
            self->setStatus(self->tr("Status is now %1.").arg(words::userStatus(r->status)));
        else
            self->setStatus(self->tr("Status change failed: %1").arg(describe(r.error())), true);
        if (r)
            self->m_note->clear();
        self->refresh();
    });
}

void UsersTab::setStatus(const QString &text, bool error)
{
    showStatus(m_status, text, error);
}

} // namespace fp::console
