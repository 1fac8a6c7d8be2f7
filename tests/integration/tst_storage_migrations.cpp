// Migrations: idempotent, checksummed, complete (every table of the data model), and an edited
// migration is refused with a clear error.

#include "tests/support/IntegrationTest.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace fp::test;

class TestStorageMigrations : public IntegrationTest
{
    Q_OBJECT

public:
    TestStorageMigrations() : IntegrationTest(OwnServers {}) { }

private Q_SLOTS:
    void applyingTwiceChangesNothing()
    {
        TestServer server;
        QByteArray output;
        QCOMPARE(server.runToCompletion({QStringLiteral("migrate")}, &output), 0);
        TestDatabase *db = server.database();
        const int applied =
            db->scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt();
        const int files = QDir(TestEnvironment::fromProcess().sourceDir + QStringLiteral("/sql"))
                              .entryList({QStringLiteral("*.sql")}, QDir::Files)
                              .size();
        QCOMPARE(applied, files);
        const QString tablesSql = QStringLiteral(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()");
        const int tables = db->scalar(tablesSql).toInt();

        QCOMPARE(server.runToCompletion({QStringLiteral("migrate")}, &output), 0);
        QVERIFY2(!output.contains("migration_applied"), output.constData());
        QCOMPARE(db->scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(),
                 applied);
        QCOMPARE(db->scalar(tablesSql).toInt(), tables);
    }

    void wholeDataModelExists()
    {
        TestServer server;
        QCOMPARE(server.runToCompletion({QStringLiteral("migrate")}), 0);
        const QStringList tables {"users",
                                  "user_auth_identities",
                                  "user_sessions",
                                  "user_profiles",
                                  "user_preference_settings",
                                  "user_value_scores",
                                  "user_interest_scores",
                                  "user_off_limits_topics",
                                  "user_non_negotiables",
                                  "matching_queue_entries",
                                  "match_sessions",
                                  "conversation_sessions",
                                  "conversation_messages",
                                  "conversation_decision_gates",
                                  "friendships",
                                  "friendship_events",
                                  "meet_reflections",
                                  "trust_scores",
                                  "trust_score_events",
                                  "reports",
                                  "blocks",
                                  "prompt_catalog",
                                  "daily_prompt_answers",
                                  "weekly_intents",
                                  "xp_ledger",
                                  "analytics_events",
                                  "idempotency_keys",
                                  "admin_audit_log",
                                  "schema_migrations"};
        for (const QString &table : tables) {
            const int found =
                server.database()
                    ->scalar(QStringLiteral("SELECT COUNT(*) FROM information_schema.tables "
                                            "WHERE table_schema = DATABASE() AND table_name = '%1' "
                                            "AND engine = 'InnoDB'")
                                 .arg(table))
                    .toInt();
            QVERIFY2(found == 1, qPrintable(table));
        }
        // A unique pair constraint the model names, checked for real.
        QString error;
        QVERIFY(server.database()->exec(
            QStringLiteral("INSERT INTO users (id, email, status) VALUES "
                           "('00000000-0000-4000-8000-000000000001', 'a@x', 'active'),"
                           " ('00000000-0000-4000-8000-000000000002', 'b@x', 'active')")));
        QVERIFY(server.database()->exec(QStringLiteral(
            "INSERT INTO blocks (id, blocker_user_id, blocked_user_id, source) VALUES "
            "('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-000000000001', "
            "'00000000-0000-4000-8000-000000000002', 'manual')")));
        QVERIFY(!server.database()->exec(
            QStringLiteral(
                "INSERT INTO blocks (id, blocker_user_id, blocked_user_id, source) VALUES "
                "('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-000000000001', "
                "'00000000-0000-4000-8000-000000000002', 'manual')"),
            &error));
        QVERIFY2(error.contains(QStringLiteral("Duplicate")), qPrintable(error));
    }

    void editedMigrationIsRefused()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString source = TestEnvironment::fromProcess().sourceDir + QStringLiteral("/sql");
        for (const QString &name : QDir(source).entryList({QStringLiteral("*.sql")}, QDir::Files))
            QVERIFY(QFile::copy(source + QLatin1Char('/') + name, dir.filePath(name)));

        TestServer::Options options;
        options.extraEnvironment.insert(QStringLiteral("FP_MIGRATIONS_DIR"), dir.path());
        TestServer server(options);
        QCOMPARE(server.runToCompletion({QStringLiteral("migrate")}), 0);

        QFile first(dir.filePath(QStringLiteral("0001_init.sql")));
        QVERIFY(first.open(QIODevice::Append));
        first.write("\n-- an innocent-looking edit\n");
        first.close();

        QByteArray output;
        QCOMPARE(server.runToCompletion({QStringLiteral("migrate")}, &output), 1);
        QVERIFY2(output.contains("0001_init.sql was edited after it was applied"),
                 output.constData());
        // Serving refuses too, rather than running against a schema it cannot vouch for.
        QCOMPARE(server.runToCompletion({}, &output), 1);
        QVERIFY(output.contains("was edited"));
    }

    void unreachableDatabaseIsOneClearLine()
    {
        TestServer::Options options;
        options.databaseName = QStringLiteral("no_such_database_here");
        TestServer server(options);
        QByteArray output;
        QCOMPARE(server.runToCompletion({QStringLiteral("migrate")}, &output), 1);
        QVERIFY2(output.contains("cannot connect to the database"), output.constData());
    }
};

QTEST_GUILESS_MAIN(TestStorageMigrations)
#include "tst_storage_migrations.moc"
