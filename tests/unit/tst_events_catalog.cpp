// docs/events.md against server/events/EventTypes.h: the "Event types" table has exactly one
// row per type in event::kAll, with its version, and names no type the server does not record.

#include "server/events/EventTypes.h"

#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QStringList>
#include <QTest>

namespace {

struct CatalogRow
{
    QString type;
    QString version;
    int line = 0;
};

// The rows of the table under "## Event types" (up to the next heading), each split into its
// cells; the header and the |---| separator are left out.
QList<CatalogRow> eventTypeRows(const QString &markdown)
{
    static const QRegularExpression typeCell(QStringLiteral("^`([^`]+)`$"));
    QList<CatalogRow> rows;
    bool inSection = false;
    const QStringList lines = markdown.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.startsWith(QLatin1String("#"))) {
            inSection = line == QLatin1String("## Event types");
            continue;
        }
        if (!inSection || !line.startsWith(QLatin1Char('|')))
            continue;
        QStringList cells = line.split(QLatin1Char('|'));
        // "| a | b |" splits into "", " a ", " b ", "".
        cells = cells.mid(1, cells.size() - 2);
        for (QString &cell : cells)
            cell = cell.trimmed();
        if (cells.size() < 2)
            continue;
        const QRegularExpressionMatch type = typeCell.match(cells.at(0));
        if (!type.hasMatch())
            continue; // the header ("type") or the separator
        rows.append({type.captured(1), cells.at(1), i + 1});
    }
    return rows;
}

} // namespace

class TestEventsCatalog : public QObject
{
    Q_OBJECT

    QString m_markdown;
    QList<CatalogRow> m_rows;

private Q_SLOTS:
    void initTestCase()
    {
        QFile file(QStringLiteral(FP_SOURCE_DIR_LITERAL "/docs/events.md"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        m_markdown = QString::fromUtf8(file.readAll());
        m_rows = eventTypeRows(m_markdown);
    }

    void startsWithItsTitle() { QVERIFY(m_markdown.startsWith(QLatin1String("# Events\n"))); }

    void everyTypeHasOneRowWithItsVersion()
    {
        QVERIFY(!m_rows.isEmpty());
        for (const fp::EventType &type : fp::event::kAll) {
            const QString name = QString(type.name);
            QList<CatalogRow> found;
            for (const CatalogRow &row : std::as_const(m_rows))
                if (row.type == name)
                    found.append(row);
            QVERIFY2(found.size() == 1,
                     qPrintable(QStringLiteral("%1 has %2 rows in docs/events.md, not 1")
                                    .arg(name)
                                    .arg(found.size())));
            QVERIFY2(found.constFirst().version == QString::number(type.version),
                     qPrintable(QStringLiteral("%1: docs/events.md line %2 says version %3, "
                                               "EventTypes.h says %4")
                                    .arg(name)
                                    .arg(found.constFirst().line)
                                    .arg(found.constFirst().version)
                                    .arg(type.version)));
        }
    }

    void namesNoTypeTheServerDoesNotRecord()
    {
        QStringList known;
        for (const fp::EventType &type : fp::event::kAll)
            known.append(QString(type.name));
        for (const CatalogRow &row : std::as_const(m_rows))
            QVERIFY2(known.contains(row.type),
                     qPrintable(QStringLiteral("docs/events.md line %1 names %2, which is not in "
                                               "event::kAll")
                                    .arg(row.line)
                                    .arg(row.type)));
    }

    void parserReadsOnlyTheEventTypesTable()
    {
        const QString sample = QStringLiteral(
            "# Events\n| `x.y` | 1 |\n## Event types\n| type | version |\n|---|---|\n"
            "| `a.b` | 2 | user |\n## Other\n| `c.d` | 1 |\n");
        const QList<CatalogRow> rows = eventTypeRows(sample);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.constFirst().type, QStringLiteral("a.b"));
        QCOMPARE(rows.constFirst().version, QStringLiteral("2"));
    }
};

QTEST_GUILESS_MAIN(TestEventsCatalog)
#include "tst_events_catalog.moc"
