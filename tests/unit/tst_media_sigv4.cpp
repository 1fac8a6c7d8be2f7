// AWS Signature V4 (server/media/SigV4) against AWS's published examples: the signature test
// suite's get-vanilla, get-vanilla-query-order-key-case and post-vanilla (credentials
// AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service"), and the S3 documentation's
// "GET Object" example (AKIAIOSFODNN7EXAMPLE, 2013-05-24, bucket examplebucket, a Range
// header). The expected values are AWS's, copied exactly; every intermediate step AWS publishes
// (canonical request hash, string to sign) is checked too, so a failure says which step broke.

#include "server/media/ObjectStore.h"
#include "server/media/SigV4.h"

#include <QTest>

using namespace fp;

namespace {

const QByteArray kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

sigv4::Credentials suiteCredentials()
{
    return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service"};
}

sigv4::Request suiteRequest(const QByteArray &method)
{
    sigv4::Request r;
    r.method = method;
    r.path = "/";
    r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    r.payloadHash = kEmptyHash;
    return r;
}

} // namespace

class TestMediaSigV4 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void getVanilla()
    {
        const sigv4::Request request = suiteRequest("GET");
        QCOMPARE(sigv4::canonicalRequest(request),
                 QByteArray("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                            "host;x-amz-date\n") +
                     kEmptyHash);
        QCOMPARE(sigv4::sha256Hex(sigv4::canonicalRequest(request)),
                 QByteArray("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"));
        QCOMPARE(sigv4::authorization(suiteCredentials(), request, "20150830T123600Z"),
                 QByteArray(
                     "AWS4-HMAC-SHA256 "
                     "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                     "SignedHeaders=host;x-amz-date, "
                     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
    }

    void getVanillaQueryOrderKeyCase()
    {
        // The parameters arrive out of order: the canonical query sorts them.
        sigv4::Request request = suiteRequest("GET");
        request.query = {{"Param2", "value2"}, {"Param1", "value1"}};
        QVERIFY(
            sigv4::canonicalRequest(request).startsWith("GET\n/\nParam1=value1&Param2=value2\n"));
        QCOMPARE(sigv4::signature(suiteCredentials(), request, "20150830T123600Z"),
                 QByteArray("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
    }

    void postVanilla()
    {
        const sigv4::Request request = suiteRequest("POST");
        QCOMPARE(sigv4::stringToSign(suiteCredentials(), "20150830T123600Z",
                                     sigv4::canonicalRequest(request)),
                 QByteArray("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
                            "aws4_request\n"
                            "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"));
        QCOMPARE(sigv4::signature(suiteCredentials(), request, "20150830T123600Z"),
                 QByteArray("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
    }

    void s3GetObjectExample()
    {
        const sigv4::Credentials credentials {
            "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
        sigv4::Request request;
        request.method = "GET";
        request.path = "/test.txt";
        request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                           {"Range", "bytes=0-9"},
                           {"x-amz-content-sha256", kEmptyHash},
                           {"x-amz-date", "20130524T000000Z"}};
        request.payloadHash = kEmptyHash;
        QCOMPARE(sigv4::canonicalRequest(request),
                 QByteArray("GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
                            "range:bytes=0-9\nx-amz-content-sha256:") +
                     kEmptyHash +
                     "\nx-amz-date:20130524T000000Z\n\n"
                     "host;range;x-amz-content-sha256;x-amz-date\n" +
                     kEmptyHash);
        QCOMPARE(
            sigv4::stringToSign(credentials, "20130524T000000Z", sigv4::canonicalRequest(request)),
            QByteArray("AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/"
                       "aws4_request\n"
                       "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"));
        QCOMPARE(sigv4::authorization(credentials, request, "20130524T000000Z"),
                 QByteArray(
                     "AWS4-HMAC-SHA256 "
                     "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                     "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                     "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
    }

    void headerValuesAreTrimmedAndJoined()
    {
        sigv4::Request request = suiteRequest("GET");
        request.headers.append(
            qMakePair(QByteArray("My-Header1"), QByteArray("  value1   with  spaces ")));
        request.headers.append(qMakePair(QByteArray("my-header1"), QByteArray("value2")));
        QVERIFY(
            sigv4::canonicalRequest(request).contains("my-header1:value1 with spaces,value2\n"));
        QCOMPARE(sigv4::signedHeaders(request), QByteArray("host;my-header1;x-amz-date"));
    }

    void uriEncoding()
    {
        QCOMPARE(sigv4::uriEncode("a b/c~d*e", true), QByteArray("a%20b/c~d%2Ae"));
        QCOMPARE(sigv4::uriEncode("a/b", false), QByteArray("a%2Fb"));
        QCOMPARE(sigv4::uriEncode("\xE1\x88\xB4", true), QByteArray("%E1%88%B4"));
    }

    void objectKeysAreSafePaths()
    {
        QVERIFY(ObjectStore::validKey(QStringLiteral("avatars/0123abcd-512.jpg")));
        QVERIFY(!ObjectStore::validKey(QStringLiteral("../etc/passwd")));
        QVERIFY(!ObjectStore::validKey(QStringLiteral("avatars/../x")));
        QVERIFY(!ObjectStore::validKey(QStringLiteral("/absolute")));
        QVERIFY(!ObjectStore::validKey(QStringLiteral("avatars//x")));
        QVERIFY(!ObjectStore::validKey(QStringLiteral("Upper")));
        QVERIFY(!ObjectStore::validKey(QString()));
    }
};

QTEST_GUILESS_MAIN(TestMediaSigV4)
#include "tst_media_sigv4.moc"
