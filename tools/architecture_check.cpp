// Checks the server's source tree against its declared architecture (docs/architecture.md):
// the module map that server/CMakeLists.txt writes (fp_module declarations), the #include
// lines of every file under server/, the tables its SQL names, and the module table of the
// document. Run by the build before any server module compiles, so a forbidden include or a
// query into another domain's table fails the build with a line saying what and why.
//
//   fp-architecture-check --modules <map> --source <repo root> [--doc docs/architecture.md]
//
// Exit status 0 when everything holds, 1 with one line per problem otherwise.

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QList>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QStringList>
#include <QTextStream>
#include <cstdio>

namespace {

struct Module
{
    QString name;
    QString layer;
    QStringList depends;
    QStringList owns;
    QStringList reads;
};

const QStringList kLayers {QStringLiteral("base"),   QStringLiteral("storage"),
                           QStringLiteral("http"),   QStringLiteral("realtime"),
                           QStringLiteral("domain"), QStringLiteral("app")};

// A domain's files that no other domain may include: its SQL, its Redis keys, its request
// parsing and its route bindings. Everything else (service, types, events, ports, JSON shapes,
// pure rules) is its public face.
const QRegularExpression kPrivateFile(QStringLiteral("(Repository|Store|Routes|Validation)\\.h$"));

QStringList splitList(const QString &text)
{
    QStringList items;
    for (const QString &item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        items << item.trimmed();
    return items;
}

class Checker
{
public:
    QStringList problems;

    bool loadModules(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            problems << QStringLiteral("cannot read the module map %1").arg(path);
            return false;
        }
        while (!file.atEnd()) {
            const QString line = QString::fromUtf8(file.readLine()).trimmed();
            if (line.isEmpty())
                continue;
            const QStringList parts = line.split(QLatin1Char('|'));
            if (parts.size() != 5) {
                problems << QStringLiteral("bad module map line: %1").arg(line);
                continue;
            }
            Module m {parts[0], parts[1], splitList(parts[2]), splitList(parts[3]),
                      splitList(parts[4])};
            m_order << m.name;
            m_modules.insert(m.name, m);
        }
        for (const Module &m : std::as_const(m_modules))
            for (const QString &table : m.owns) {
                if (m_owner.contains(table))
                    problems << QStringLiteral("table %1 is owned by both %2 and %3")
                                    .arg(table, m_owner.value(table), m.name);
                m_owner.insert(table, m.name);
            }
        return true;
    }

    /// Every module `name` may use: itself and everything it depends on, directly or not.
    QSet<QString> reachable(const QString &name) const
    {
        QSet<QString> seen {name};
        QStringList todo {name};
        while (!todo.isEmpty()) {
            const QString next = todo.takeLast();
            for (const QString &dep : m_modules.value(next).depends)
                if (!seen.contains(dep)) {
                    seen.insert(dep);
                    todo << dep;
                }
        }
        return seen;
    }

    void checkTablesAreDeclared(const QString &root)
    {
        const QRegularExpression create(
            QStringLiteral("CREATE TABLE (?:IF NOT EXISTS )?`?([a-z_0-9]+)"));
        QDir sql(root + QStringLiteral("/sql"));
        for (const QString &name : sql.entryList({QStringLiteral("*.sql")}, QDir::Files)) {
            QFile file(sql.filePath(name));
            if (!file.open(QIODevice::ReadOnly))
                continue;
            const QString text = QString::fromUtf8(file.readAll());
            for (auto it = create.globalMatch(text); it.hasNext();)
                m_tables.insert(it.next().captured(1));
        }
        m_tables.insert(QStringLiteral("schema_migrations")); // created by the migration runner
        for (const QString &table : std::as_const(m_tables))
            if (!m_owner.contains(table))
                problems << QStringLiteral("table %1 (sql/) is owned by no module: add it to one "
                                           "module's OWNS in server/CMakeLists.txt")
                                .arg(table);
        for (const Module &m : std::as_const(m_modules)) {
            const QSet<QString> usable = reachable(m.name);
            for (const QString &table : m.reads) {
                if (!m_owner.contains(table))
                    problems << QStringLiteral("module %1 READS %2, which no module owns")
                                    .arg(m.name, table);
                else if (!usable.contains(m_owner.value(table)))
                    problems << QStringLiteral("module %1 READS %2, but does not depend on its "
                                               "owner %3")
                                    .arg(m.name, table, m_owner.value(table));
            }
        }
    }

    void checkSources(const QString &root)
    {
        const QString serverDir = root + QStringLiteral("/server");
        QDirIterator it(serverDir, {QStringLiteral("*.h"), QStringLiteral("*.cpp")}, QDir::Files,
                        QDirIterator::Subdirectories);
        QStringList files;
        while (it.hasNext())
            files << it.next();
        files.sort();
        for (const QString &path : std::as_const(files)) {
            const QString relative = QDir(root).relativeFilePath(path);
            const QStringList parts = relative.split(QLatin1Char('/'));
            // server/main.cpp belongs to the application; everything else to its folder.
            const QString module = parts.size() == 2 ? QStringLiteral("app") : parts.value(1);
            if (parts.size() > 3) {
                problems << QStringLiteral("%1: modules are flat folders (server/<module>/File)")
                                .arg(relative);
                continue;
            }
            if (!m_modules.contains(module)) {
                problems << QStringLiteral("%1: server/%2 is not a declared module "
                                           "(fp_module in server/CMakeLists.txt)")
                                .arg(relative, module);
                continue;
            }
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly)) {
                problems << QStringLiteral("%1: cannot be read").arg(relative);
                continue;
            }
            const QString text = QString::fromUtf8(file.readAll());
            checkIncludes(relative, module, text);
            if (relative.endsWith(QLatin1String(".cpp")))
                checkSql(relative, module, text);
        }
    }

    void checkDocument(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            problems << QStringLiteral("cannot read %1").arg(path);
            return;
        }
        const QString text = QString::fromUtf8(file.readAll());
        const qsizetype begin = text.indexOf(QLatin1String("<!-- modules:begin -->"));
        const qsizetype end = text.indexOf(QLatin1String("<!-- modules:end -->"));
        if (begin < 0 || end < begin) {
            problems << QStringLiteral("%1: the module table (between <!-- modules:begin --> and "
                                       "<!-- modules:end -->) is missing")
                            .arg(path);
            return;
        }
        QSet<QString> documented;
        const QStringList lines = text.mid(begin, end - begin).split(QLatin1Char('\n'));
        for (const QString &line : lines) {
            if (!line.startsWith(QLatin1Char('|')) || line.startsWith(QLatin1String("|--")) ||
                line.startsWith(QLatin1String("| module")))
                continue;
            QStringList cells = line.split(QLatin1Char('|'));
            if (cells.size() < 7)
                continue;
            auto cell = [&cells](int i) {
                QString c = cells.value(i).trimmed();
                c.remove(QLatin1Char('`'));
                return c == QLatin1String("-") ? QString() : c;
            };
            const QString name = cell(1);
            documented.insert(name);
            if (!m_modules.contains(name)) {
                problems << QStringLiteral("%1: documents module %2, which the build does not "
                                           "declare")
                                .arg(path, name);
                continue;
            }
            const Module &m = m_modules.value(name);
            auto same = [](QStringList a, QStringList b) {
                a.sort();
                b.sort();
                return a == b;
            };
            if (cell(2) != m.layer)
                problems << QStringLiteral("%1: module %2 is documented as layer %3, declared %4")
                                .arg(path, name, cell(2), m.layer);
            if (!same(splitList(cell(3)), m.depends))
                problems << QStringLiteral("%1: module %2 is documented to depend on [%3], "
                                           "declared [%4]")
                                .arg(path, name, cell(3), m.depends.join(QStringLiteral(", ")));
            if (!same(splitList(cell(4)), m.owns))
                problems << QStringLiteral("%1: module %2 is documented to own [%3], declared [%4]")
                                .arg(path, name, cell(4), m.owns.join(QStringLiteral(", ")));
            if (!same(splitList(cell(5)), m.reads))
                problems << QStringLiteral("%1: module %2 is documented to read [%3], declared "
                                           "[%4]")
                                .arg(path, name, cell(5), m.reads.join(QStringLiteral(", ")));
        }
        for (const QString &name : std::as_const(m_order))
            if (!documented.contains(name))
                problems << QStringLiteral("%1: module %2 is missing from the module table")
                                .arg(path, name);
    }

private:
    void checkIncludes(const QString &file, const QString &module, const QString &text)
    {
        static const QRegularExpression include(
            QStringLiteral("^\\s*#\\s*include\\s+\"server/([^/\"]+)/([^\"]+)\""),
            QRegularExpression::MultilineOption);
        const QSet<QString> usable = reachable(module);
        const Module &self = m_modules.value(module);
        for (auto it = include.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            const QString target = m.captured(1);
            const QString header = m.captured(2);
            const QString what = QStringLiteral("server/%1/%2").arg(target, header);
            if (target == module)
                continue;
            if (!m_modules.contains(target)) {
                problems
                    << QStringLiteral("%1: includes %2 from an undeclared module").arg(file, what);
                continue;
            }
            const Module &other = m_modules.value(target);
            if (kLayers.indexOf(other.layer) > kLayers.indexOf(self.layer)) {
                problems << QStringLiteral("%1: includes %2, but the %3 layer may not use the "
                                           "higher %4 layer")
                                .arg(file, what, self.layer, other.layer);
                continue;
            }
            if (!usable.contains(target)) {
                problems << QStringLiteral("%1: includes %2, but %3 does not depend on %4 "
                                           "(DEPENDS in server/CMakeLists.txt)")
                                .arg(file, what, module, target);
                continue;
            }
            if (self.layer == QLatin1String("domain") && other.layer == QLatin1String("domain") &&
                kPrivateFile.match(header).hasMatch())
                problems << QStringLiteral("%1: includes %2, which is private to the %3 domain: "
                                           "ask its service instead")
                                .arg(file, what, target);
        }
    }

    /// The text of every string literal of a C++ file, adjacent ones joined by a space.
    static QString stringLiterals(const QString &text)
    {
        QString out;
        bool inString = false;
        for (qsizetype i = 0; i < text.size(); ++i) {
            const QChar c = text.at(i);
            if (!inString) {
                if (c == QLatin1Char('/') && i + 1 < text.size() &&
                    text.at(i + 1) == QLatin1Char('/')) {
                    i = text.indexOf(QLatin1Char('\n'), i);
                    if (i < 0)
                        break;
                } else if (c == QLatin1Char('/') && i + 1 < text.size() &&
                           text.at(i + 1) == QLatin1Char('*')) {
                    i = text.indexOf(QLatin1String("*/"), i + 2);
                    if (i < 0)
                        break;
                    ++i;
                } else if (c == QLatin1Char('\'')) {
                    // A character literal: skip it so '"' does not open a string.
                    const qsizetype close = text.indexOf(
                        QLatin1Char('\''), i + (text.at(i + 1) == QLatin1Char('\\') ? 3 : 2));
                    if (close > i && close - i <= 8)
                        i = close;
                } else if (c == QLatin1Char('"')) {
                    inString = true;
                    out += QLatin1Char(' ');
                }
            } else if (c == QLatin1Char('\\') && i + 1 < text.size()) {
                out += text.at(++i);
            } else if (c == QLatin1Char('"')) {
                inString = false;
            } else {
                out += c;
            }
        }
        return out;
    }

    void checkSql(const QString &file, const QString &module, const QString &text)
    {
        static const QRegularExpression reference(
            QStringLiteral("\\b(INSERT\\s+(?:IGNORE\\s+)?INTO|REPLACE\\s+INTO|DELETE\\s+FROM|"
                           "UPDATE|FROM|JOIN|TABLE|INTO)\\s+`?([a-z_][a-z0-9_]*)"));
        const Module &self = m_modules.value(module);
        const QString sql = stringLiterals(text);
        QSet<QString> reported;
        for (auto it = reference.globalMatch(sql); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            const QString table = m.captured(2);
            if (!m_tables.contains(table) || self.owns.contains(table))
                continue;
            const QString verb = m.captured(1).simplified();
            const bool write = verb.startsWith(QLatin1String("INSERT")) ||
                verb.startsWith(QLatin1String("REPLACE")) ||
                verb.startsWith(QLatin1String("DELETE")) || verb == QLatin1String("UPDATE");
            const QString key = table + (write ? QStringLiteral(" w") : QStringLiteral(" r"));
            if (reported.contains(key))
                continue;
            if (write) {
                reported.insert(key);
                problems << QStringLiteral("%1: writes %2, which belongs to %3: only its owner "
                                           "writes a table")
                                .arg(file, table, m_owner.value(table));
            } else if (!self.reads.contains(table)) {
                reported.insert(key);
                problems << QStringLiteral("%1: reads %2, which belongs to %3: ask its service, "
                                           "or declare the read (READS) and document why")
                                .arg(file, table, m_owner.value(table));
            }
        }
    }

    QMap<QString, Module> m_modules;
    QStringList m_order;
    QHash<QString, QString> m_owner; // table → module
    QSet<QString> m_tables;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto option = [&args](const char *name) {
        const qsizetype i = args.indexOf(QLatin1String(name));
        return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : QString();
    };
    const QString modules = option("--modules");
    const QString source = option("--source");
    const QString doc = option("--doc");
    if (modules.isEmpty() || source.isEmpty()) {
        std::fputs("usage: fp-architecture-check --modules <map> --source <repo root> "
                   "[--doc <docs/architecture.md>]\n",
                   stderr);
        return 2;
    }
    Checker checker;
    if (checker.loadModules(modules)) {
        checker.checkTablesAreDeclared(source);
        checker.checkSources(source);
        if (!doc.isEmpty())
            checker.checkDocument(doc);
    }
    QTextStream err(stderr);
    for (const QString &problem : std::as_const(checker.problems))
        err << "architecture: " << problem << '\n';
    if (!checker.problems.isEmpty())
        err << "architecture: " << checker.problems.size()
            << " problem(s); the rules are in docs/architecture.md\n";
    return checker.problems.isEmpty() ? 0 : 1;
}
