#include "console/UsersTab.h"

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/AvatarLabel.h"
#include "console/ChartSupport.h"
#include "console/TrustChart.h"
#include "console/Words.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

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

/// A number of the trust rules: whole when it is, else with two decimals; `sign` for a change.
QString points(double value, bool sign)
{
    QString text = value == std::trunc(value) ? QString::number(qint64(value))
                                              : QString::number(value, 'f', 2);
    if (sign && value > 0)
        text.prepend(QLatin1Char('+'));
    return text;
}

/// The parts of trust in the API's order (any other after them): changes as the ones that
/// moved, a state as all of them.
QString partsText(const QJsonObject &parts, bool changes)
{
    QStringList keys {QStringLiteral("reliability"), QStringLiteral("respect"),
                      QStringLiteral("engagement"), QStringLiteral("safety")};
    for (const QString &key : parts.keys()) {
        if (!keys.contains(key))
            keys << key;
    }
    QStringList said;
    for (const QString &key : std::as_const(keys)) {
        const QJsonValue value = parts.value(key);
        if (!value.isUndefined() && (!changes || value.toDouble() != 0))
            said << QStringLiteral("%1 %2").arg(words::trustPart(key),
                                                points(value.toDouble(), changes));
    }
    return said.isEmpty() ? QObject::tr("none") : said.join(QStringLiteral(", "));
}

QString tagsText(const QJsonValue &tags)
{
    QStringList said;
    for (const QJsonValue &tag : tags.toArray())
        said << words::feedbackTag(tag.toString());
    return said.isEmpty() ? QObject::tr("none") : said.join(QStringLiteral(", "));
}

/// One metadata field of a ledger row in words: keys of the API through words::, times as the
/// console shows them, the parts of trust by name.
QString fieldText(const QString &key, const QJsonValue &value)
{
    if (key == QLatin1String("source"))
        return words::trustSource(value.toString());
    if (key == QLatin1String("severity"))
        return words::severity(value.toString());
    if (key == QLatin1String("meet_outcome"))
        return words::meetOutcome(value.toString());
    if (key == QLatin1String("ignored_reason"))
        return words::trustIgnoredReason(value.toString());
    if (key == QLatin1String("last_applied_at") || key == QLatin1String("eligible_again_at"))
        return when(fromWireTime(value.toString()));
    if (key == QLatin1String("tags_counted") || key == QLatin1String("tags_unknown"))
        return tagsText(value);
    if (value.isObject())
        return partsText(value.toObject(), key != QLatin1String("components_after"));
    if (value.isBool())
        return value.toBool() ? QObject::tr("yes") : QObject::tr("no");
    if (value.isDouble())
        return points(value.toDouble(), key == QLatin1String("manual_delta"));
    if (value.isString())
        return value.toString();
    QStringList items;
    for (const QJsonValue &item : value.toArray())
        items << item.toVariant().toString();
    return items.join(QStringLiteral(", "));
}

/// What made a ledger row, in a line: whether it counted, the inputs of its source, the parts
/// of trust it moved and the limits that held it back.
QString ledgerDetails(const admin::TrustEvent &e)
{
    const QJsonObject &m = e.metadata;
    const auto field = [&m](const char *key) {
        return fieldText(QLatin1String(key), m.value(QLatin1String(key)));
    };
    const auto has = [&m](const char *key) {
        return m.contains(QLatin1String(key));
    };
    QStringList said;
    if (m.value(QStringLiteral("ignored")).toBool()) {
        said << QObject::tr("Not counted: %1").arg(field("ignored_reason"));
        if (has("eligible_again_at"))
            said << QObject::tr("counts again from %1").arg(field("eligible_again_at"));
    }
    if (e.source == QLatin1String("reflection")) {
        if (has("vibe_score"))
            said << QObject::tr("vibe %1 of 5, %2").arg(field("vibe_score"), field("meet_outcome"));
        if (!m.value(QStringLiteral("tags_counted")).toArray().isEmpty())
            said << QObject::tr("tags: %1").arg(field("tags_counted"));
        if (has("reflector_trust"))
            said << QObject::tr("from someone with trust %1").arg(field("reflector_trust"));
    } else if (has("severity")) {
        said << QObject::tr("%1 severity").arg(field("severity"));
    }
    if (has("manual_delta"))
        said << QObject::tr("%1 trust points").arg(field("manual_delta"));
    if (!m.value(QStringLiteral("ignored")).toBool() && has("component_deltas"))
        said << QObject::tr("parts moved: %1").arg(field("component_deltas"));
    if (m.value(QStringLiteral("cooldown_applied")).toBool())
        said << QObject::tr("cut by the daily cap of %1 points").arg(field("daily_cap"));
    if (m.value(QStringLiteral("clamped")).toBool())
        said << QObject::tr("held within 0–100");
    return said.join(QStringLiteral("; "));
}

/// Every field of a ledger row's metadata, one a line, in words.
QString ledgerFields(const admin::TrustEvent &e)
{
    QStringList lines {QObject::tr("Caused by (id): %1").arg(e.sourceRefId)};
    for (auto it = e.metadata.begin(); it != e.metadata.end(); ++it)
        lines << QStringLiteral("%1: %2").arg(words::trustField(it.key()),
                                              fieldText(it.key(), it.value()));
    return lines.join(QLatin1Char('\n'));
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
                setRow(self->m_ledger, i,
                       {when(e.createdAt), QString::asprintf("%+d", e.delta),
                        QString::number(e.scoreAfter), words::trustSource(e.source),
                        ledgerDetails(e)});
                self->m_ledger->item(i, 4)->setToolTip(ledgerFields(e));
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
