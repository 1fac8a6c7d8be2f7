// The error vocabulary: every code maps to its documented status and renders in one shape.

#include "common/ApiError.h"
#include "server/http/Http.h"

#include <QJsonDocument>
#include <QTest>

using namespace fp;

class TestErrors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mapping_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("status");
        QTest::newRow("validation")
            << int(ErrorCode::ValidationFailed) << "validation_failed" << 400;
        QTest::newRow("malformed") << int(ErrorCode::MalformedJson) << "malformed_json" << 400;
        QTest::newRow("unauthorized") << int(ErrorCode::Unauthorized) << "unauthorized" << 401;
        QTest::newRow("forbidden") << int(ErrorCode::Forbidden) << "forbidden" << 403;
        QTest::newRow("not found") << int(ErrorCode::NotFound) << "not_found" << 404;
        QTest::newRow("method") << int(ErrorCode::MethodNotAllowed) << "method_not_allowed" << 405;
        QTest::newRow("conflict") << int(ErrorCode::Conflict) << "conflict" << 409;
        QTest::newRow("too large") << int(ErrorCode::PayloadTooLarge) << "payload_too_large" << 413;
        QTest::newRow("media type")
            << int(ErrorCode::UnsupportedMediaType) << "unsupported_media_type" << 415;
        QTest::newRow("idempotency")
            << int(ErrorCode::IdempotencyKeyReused) << "idempotency_key_reused" << 422;
        QTest::newRow("rate") << int(ErrorCode::RateLimited) << "rate_limited" << 429;
        QTest::newRow("internal") << int(ErrorCode::Internal) << "internal" << 500;
        QTest::newRow("unavailable") << int(ErrorCode::Unavailable) << "unavailable" << 503;
    }

    void mapping()
    {
        QFETCH(int, code);
        QFETCH(QString, name);
        QFETCH(int, status);
        QCOMPARE(errorCodeName(ErrorCode(code)), name);
        QCOMPARE(errorCodeStatus(ErrorCode(code)), status);
        QCOMPARE(errorCodeFromName(name), std::optional<ErrorCode>(ErrorCode(code)));
    }

    void unknownName() { QCOMPARE(errorCodeFromName(QStringLiteral("teapot")), std::nullopt); }

    void shape()
    {
        const AppError e = AppError::validation(
            {{QStringLiteral("bio"), QStringLiteral("at most 280 characters")}});
        const QJsonObject body =
            QJsonDocument::fromJson(renderErrorBody(e, QStringLiteral("req-1"))).object();
        QCOMPARE(body.keys(), (QStringList {"code", "details", "message", "request_id"}));
        QCOMPARE(body[QStringLiteral("code")].toString(), QStringLiteral("validation_failed"));
        QCOMPARE(body[QStringLiteral("request_id")].toString(), QStringLiteral("req-1"));
        QCOMPARE(body[QStringLiteral("details")][QStringLiteral("fields")][QStringLiteral("bio")]
                     .toString(),
                 QStringLiteral("at most 280 characters"));
    }

    void internalLeaksNothing()
    {
        const AppError e = AppError::internal();
        QCOMPARE(e.status(), 500);
        QVERIFY(e.details.isEmpty());
        QVERIFY(!e.message.contains(QStringLiteral("SQL"), Qt::CaseInsensitive));
    }

    void retryAfterOnLimits()
    {
        QCOMPARE(AppError::rateLimited(7).retryAfterSeconds, 7);
        QCOMPARE(AppError::unavailable(QStringLiteral("x"), 3).retryAfterSeconds, 3);
    }
};

QTEST_APPLESS_MAIN(TestErrors)
#include "tst_common_errors.moc"
