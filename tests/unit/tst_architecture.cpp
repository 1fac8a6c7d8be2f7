// The build's architecture check (tools/architecture_check.cpp, docs/architecture.md): the tree
// as it is passes, and a copy of it with one rule broken fails with a line naming the file and
// the rule. This is what stops a domain from reaching into another's repository.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct CheckRun
{
    int exitCode = -1;
    QString output;
};

CheckRun runCheck(const QString &root)
{
    QProcess check;
    check.setProcessChannelMode(QProcess::MergedChannels);
    check.start(QStringLiteral(FP_ARCHITECTURE_CHECK),
                {QStringLiteral("--modules"), QStringLiteral(FP_MODULE_MAP),
                 QStringLiteral("--source"), root, QStringLiteral("--doc"),
                 root + QStringLiteral("/docs/architecture.md")});
    if (!check.waitForFinished(60000))
        return {};
    return {check.exitCode(), QString::fromUtf8(check.readAll())};
}

bool copyTree(const QString &from, const QString &to)
{
    QDirIterator it(from, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        const QString target = to + QLatin1Char('/') + QDir(from).relativeFilePath(file);
        if (!QDir().mkpath(QFileInfo(target).absolutePath()) || !QFile::copy(file, target))
            return false;
    }
    return true;
}

bool append(const QString &path, const QByteArray &text)
{
    QFile file(path);
    return file.open(QIODevice::Append) && file.write(text) == text.size();
}

bool replaceIn(const QString &path, const QByteArray &from, const QByteArray &to)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    QByteArray text = file.readAll();
    file.close();
    if (!text.contains(from))
        return false;
    text.replace(from, to);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

} // namespace

class TestArchitecture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theTreeHoldsTheRules()
    {
        const CheckRun run = runCheck(QStringLiteral(FP_SOURCE_DIR_LITERAL));
        QVERIFY2(run.exitCode == 0, qPrintable(run.output));
    }

    void aBrokenRuleFailsTheBuild_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("appended");
        QTest::addColumn<QString>("expected");

        QTest::newRow("a domain includes another domain's repository")
            << QStringLiteral("server/conversation/ConversationRules.cpp")
            << QByteArray("#include \"server/safety/SafetyRepository.h\"\n")
            << QStringLiteral("includes server/safety/SafetyRepository.h, which is private to "
                              "the safety domain");
        QTest::newRow("a domain includes another domain's route bindings")
            << QStringLiteral("server/reflection/ReflectionService.cpp")
            << QByteArray("#include \"server/trust/TrustRoutes.h\"\n")
            << QStringLiteral("which is private to the trust domain");
        QTest::newRow("a domain uses one it does not depend on")
            << QStringLiteral("server/profile/ProfileService.cpp")
            << QByteArray("#include \"server/identity/IdentityService.h\"\n")
            << QStringLiteral("but profile does not depend on identity");
        QTest::newRow("a lower layer includes a higher one")
            << QStringLiteral("server/storage/Redis.cpp")
            << QByteArray("#include \"server/http/Router.h\"\n")
            << QStringLiteral("the storage layer may not use the higher http layer");
        QTest::newRow("a layer includes a domain")
            << QStringLiteral("server/http/Router.cpp")
            << QByteArray("#include \"server/identity/IdentityService.h\"\n")
            << QStringLiteral("the http layer may not use the higher domain layer");
        QTest::newRow("a repository writes another domain's table")
            << QStringLiteral("server/friendship/FriendshipRepository.cpp")
            << QByteArray("static const char *k = \"UPDATE users SET status = 'x'\";\n")
            << QStringLiteral("writes users, which belongs to identity");
        QTest::newRow("a repository reads another domain's table")
            << QStringLiteral("server/matching/MatchingRepository.cpp")
            << QByteArray(
                   "static const char *k = \"SELECT 1 FROM\"\n    \" conversation_messages\";\n")
            << QStringLiteral("reads conversation_messages, which belongs to conversation");
        QTest::newRow("a declared read is still no write")
            << QStringLiteral("server/conversation/ConversationRepository.cpp")
            << QByteArray("static const char *k = \"DELETE FROM blocks WHERE 1\";\n")
            << QStringLiteral("writes blocks, which belongs to safety");
        QTest::newRow("a folder that is no module")
            << QStringLiteral("server/moderation/Queue.cpp") << QByteArray("int x = 1;\n")
            << QStringLiteral("server/moderation is not a declared module");
        QTest::newRow("a table nobody owns")
            << QStringLiteral("sql/9999_orphan.sql")
            << QByteArray("CREATE TABLE orphans (id INT);\n")
            << QStringLiteral("table orphans (sql/) is owned by no module");
    }

    void aBrokenRuleFailsTheBuild()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, appended);
        QFETCH(QString, expected);
        QTemporaryDir tree;
        QVERIFY(tree.isValid());
        for (const char *part : {"server", "sql", "docs"})
            QVERIFY(copyTree(QStringLiteral(FP_SOURCE_DIR_LITERAL "/") + QLatin1String(part),
                             tree.filePath(QLatin1String(part))));
        QVERIFY(QDir().mkpath(QFileInfo(tree.filePath(file)).absolutePath()));
        QVERIFY(append(tree.filePath(file), appended));
        const CheckRun run = runCheck(tree.path());
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.output.contains(expected), qPrintable(run.output));
    }

    void theDocumentMustMatchTheBuild()
    {
        QTemporaryDir tree;
        QVERIFY(tree.isValid());
        for (const char *part : {"server", "sql", "docs"})
            QVERIFY(copyTree(QStringLiteral(FP_SOURCE_DIR_LITERAL "/") + QLatin1String(part),
                             tree.filePath(QLatin1String(part))));
        QVERIFY(replaceIn(tree.filePath(QStringLiteral("docs/architecture.md")),
                          "| `privacy` | domain | identity |", "| `privacy` | domain | profile |"));
        const CheckRun run = runCheck(tree.path());
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.output.contains(
                     QStringLiteral("module privacy is documented to depend on [profile]")),
                 qPrintable(run.output));
    }
};

QTEST_APPLESS_MAIN(TestArchitecture)
#include "tst_architecture.moc"
