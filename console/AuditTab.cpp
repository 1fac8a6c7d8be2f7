#include "console/AuditTab.h"

#include "common/AdminClient.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace fp::console {

AuditTab::AuditTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_action(new QLineEdit(this)),
      m_actor(new QLineEdit(this)), m_target(new QLineEdit(this)),
      m_table(new QTableWidget(0, 7, this))
{
    m_table->setObjectName(QStringLiteral("auditTable"));
    m_action->setPlaceholderText(tr("action, e.g. report.action"));
    m_actor->setPlaceholderText(tr("actor user id"));
    m_target->setPlaceholderText(tr("target id"));
    m_table->setHorizontalHeaderLabels({tr("When"), tr("Actor"), tr("Role"), tr("Action"),
                                        tr("Target"), tr("Note"), tr("Metadata")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    auto *reload = new QPushButton(tr("Reload"), this);
    auto *top = new QHBoxLayout;
    top->addWidget(m_action);
    top->addWidget(m_actor);
    top->addWidget(m_target);
    top->addWidget(reload);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    connect(reload, &QPushButton::clicked, this, &AuditTab::refresh);
    for (QLineEdit *edit : {m_action, m_actor, m_target})
        connect(edit, &QLineEdit::returnPressed, this, &AuditTab::refresh);
}

int AuditTab::rowCount() const
{
    return m_table->rowCount();
}

void AuditTab::refresh()
{
    if (!m_client->signedIn())
        return;
    admin::AuditQuery query;
    query.action = m_action->text().trimmed();
    query.actorUserId = m_actor->text().trimmed();
    query.targetId = m_target->text().trimmed();
    m_client->auditLog(
        query, [self = QPointer(this)](const Result<admin::Page<admin::AuditEntry>> &r) {
            if (!self)
                return;
            if (r) {
                self->m_table->setRowCount(int(r->items.size()));
                for (int i = 0; i < r->items.size(); ++i) {
                    const admin::AuditEntry &e = r->items[i];
                    const QStringList cells {
                        e.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                        // A timer's entry (a claim that ran out) has no actor.
                        e.actorKind == QLatin1String("system") ? self->tr("system")
                                                               : e.actorUserId.left(8),
                        e.actorRole, e.action, e.targetType + QLatin1Char(' ') + e.targetId.left(8),
                        e.note,
                        QString::fromUtf8(
                            QJsonDocument(e.metadata).toJson(QJsonDocument::Compact))};
                    for (int c = 0; c < cells.size(); ++c)
                        self->m_table->setItem(i, c, new QTableWidgetItem(cells[c]));
                }
            }
            Q_EMIT self->refreshed();
        });
}

} // namespace fp::console
