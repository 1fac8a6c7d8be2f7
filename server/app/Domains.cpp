#include "server/app/Domains.h"

#include "server/base/Config.h"
#include "server/http/IdempotencyRepository.h"
#include "server/identity/IdentityEvents.h"
#include "server/matching/MatchingEvents.h"
#include "server/safety/SafetyEvents.h"

namespace fp {

namespace {

IdentitySettings identitySettings(const Config &c)
{
    IdentitySettings s;
    s.jwtSecret = c.jwtSecret.toUtf8();
    s.jwtPreviousSecret = c.jwtPreviousSecret.toUtf8();
    s.refreshReuseGraceSeconds = c.refreshReuseGraceSeconds;
    s.throttle =
        ThrottleSettings {c.loginFailureLimit, c.loginLockIncrementSeconds, c.loginLockMaxSeconds,
                          12 * 3600,           c.loginAddressFailureLimit,  15 * 60};
    s.adminEmail = c.adminEmail;
    s.adminPassword = c.adminPassword;
    s.adminPasswordFile = c.adminPasswordFile;
    s.oidcProviders = {
        {QStringLiteral("google"), c.oidcGoogle.clientIds, c.oidcGoogle.issuers,
         c.oidcGoogle.jwksUrl},
        {QStringLiteral("apple"), c.oidcApple.clientIds, c.oidcApple.issuers, c.oidcApple.jwksUrl},
    };
    s.oidcJwksMinRefreshSeconds = c.oidcJwksMinRefreshSeconds;
    return s;
}

ObjectStoreSettings mediaSettings(const Config &c)
{
    return ObjectStoreSettings {c.mediaStore, c.mediaDir,
                                S3Settings {c.s3Endpoint, c.s3Bucket, c.s3Region, c.s3AccessKeyId,
                                            c.s3SecretAccessKey, c.s3TimeoutMs}};
}

QList<QByteArray> signingSecrets(const Config &c)
{
    QList<QByteArray> secrets {c.jwtSecret.toUtf8()};
    if (!c.jwtPreviousSecret.isEmpty())
        secrets << c.jwtPreviousSecret.toUtf8();
    return secrets;
}

} // namespace

Domains::Domains(const Config &config, UserNotifier &notifier, Catalog catalogData,
                 ModerationRules rules)
    : catalog(std::move(catalogData)), moderationRules(std::move(rules)), admin(adminRepository),
      analytics(analyticsRepository, config.analyticsMinCell), engagement(engagementRepository),
      mediaStore(makeObjectStore(mediaSettings(config))),
      avatarUrls(config.jwtSecret.toUtf8(), config.avatarUrlTtlSeconds),
      profiles(profileRepository, catalog, avatarUrls),
      avatars(profileRepository, *mediaStore, avatarUrls,
              AvatarSettings {config.avatarMaxBytes, config.avatarMaxPixels}),
      tokens(signingSecrets(config), identityRepository),
      identity(identityRepository, tokens, profiles, avatars, admin, events,
               identitySettings(config)),
      friendships(friendshipRepository, profiles), trust(trustRepository, identity),
      safety(safetyRepository, catalog, identity, trust, admin, events, notifier,
             SafetySettings {config.reportEscalationMinutes, config.reportHighEscalationMinutes,
                             config.reportClaimMinutes, config.repeatedBlocksCount,
                             config.repeatedBlocksMinutes}),
      matching(matchingRepository, profiles, trust, safety, friendships, events, notifier),
      conversations(
          conversationRepository, matching, friendships, safety, profiles, engagement,
          moderationRules, notifier,
          ConversationSettings {config.gateIntervalSeconds > 0 ? config.gateIntervalSeconds : 600,
                                config.messageRetentionDays}),
      reflections(reflectionRepository, matching, conversations, trust, engagement),
      privacy(privacyRepository, identity)
{
    connectPorts();
    subscribeToEvents();
}

void Domains::connectPorts()
{
    // An avatar is for its owner, staff and friends (a reveal makes the two friends).
    avatars.connect(ProfilePorts {[this](const QString &a, const QString &b) {
        return friendships.friendsNow(a, b);
    }});
    // "Met" is a shared match or a friendship; matching and friendship each know half of it.
    const auto metAnd = [this](auto friendsAlso) {
        return [this, friendsAlso](const QString &a, const QString &b) -> Result<bool> {
            Result<bool> matched = matching.haveMet(a, b);
            if (!matched || *matched)
                return matched;
            return friendsAlso(a, b);
        };
    };
    // Friends see each other's trust summary; people who only met anonymously see it until
    // either blocked the other (after a panic exit the score must not lead back to who it was).
    trust.connect(TrustPorts {PairCondition::anyOf(
        FriendshipService::friendsNowCondition(),
        PairCondition::allOf(MatchingService::haveMetCondition(),
                             SafetyService::blockedEitherWayCondition().negated()))});
    safety.connect(
        SafetyPorts {metAnd([this](const QString &a, const QString &b) {
                         return friendships.everFriends(a, b);
                     }),
                     [this](const QString &conversationId, const QString &userId) {
                         return conversations.peerOf(conversationId, userId);
                     },
                     [this](const QString &conversationId, const QDateTime &at, int each) {
                         return conversations.messagesAround(conversationId, at, each);
                     }});
    identity.connect(
        IdentityPorts {[this](const QStringList &ids) -> Result<QHash<QString, UserStanding>> {
            Result<QHash<QString, int>> scores = trust.currentScores(ids);
            if (!scores)
                return scores.error();
            Result<QHash<QString, ReportCounts>> reports = safety.reportCounts(ids);
            if (!reports)
                return reports.error();
            QHash<QString, UserStanding> standings;
            for (const QString &id : ids) {
                const ReportCounts counts = reports->value(id);
                standings.insert(id, {scores->value(id, 50), counts.openAgainst, counts.filed});
            }
            return standings;
        }});

    // Every domain with rows about a person: its part of the export, and what it erases.
    // Erasures run in this order, inside the deletion's transaction, after the identity
    // domain's (which locks the account and revokes its sessions).
    const auto exportOf = [](auto &service) {
        return [&service](const QString &userId) {
            return service.exportFor(userId);
        };
    };
    privacy.connect(PrivacyPorts {{
        {QStringLiteral("identity"), exportOf(identity), {}},
        {QStringLiteral("profile"), exportOf(profiles),
         [this](const QString &userId, const QDateTime &now) {
             return profiles.eraseFor(userId, now);
         }},
        {QStringLiteral("avatar"), exportOf(avatars),
         [this](const QString &userId, const QDateTime &) {
             return avatars.eraseFor(userId);
         }},
        {QStringLiteral("engagement"), exportOf(engagement),
         [this](const QString &userId, const QDateTime &) {
             return engagement.eraseFor(userId);
         }},
        {QStringLiteral("analytics"), exportOf(analytics),
         [this](const QString &userId, const QDateTime &) {
             return analytics.eraseFor(userId);
         }},
        {QStringLiteral("idempotency"),
         {},
         [](const QString &userId, const QDateTime &) {
             return IdempotencyRepository().forgetUser(userId);
         }},
        {QStringLiteral("conversation"), exportOf(conversations),
         [this](const QString &userId, const QDateTime &) -> Status {
             Result<QStringList> closed =
                 conversations.closeAllOf(userId, CloseReason::UserEnd, userId);
             if (!closed)
                 return closed.error();
             return Ok {};
         }},
        {QStringLiteral("matching"), exportOf(matching),
         [this](const QString &userId, const QDateTime &) {
             return matching.leaveQueueIfQueued(userId, userId);
         }},
        {QStringLiteral("friendship"), exportOf(friendships),
         [this](const QString &userId, const QDateTime &) -> Status {
             Result<QStringList> ended =
                 friendships.endAllOf(userId, QStringLiteral("account_deleted"));
             if (!ended)
                 return ended.error();
             return Ok {};
         }},
        {QStringLiteral("reflection"), exportOf(reflections), {}},
        {QStringLiteral("trust"), exportOf(trust), {}},
        {QStringLiteral("safety"), exportOf(safety), {}},
    }});
}

void Domains::subscribeToEvents()
{
    events.subscribe<MatchMade>(
        [this](const MatchMade &match) { return conversations.open(match); });
    // What a pair shares ends with a block: their friendship, then their open conversations.
    events.subscribe<BlockCreated>([this](const BlockCreated &block) -> Status {
        const QString reason =
            block.source == QLatin1String("panic_exit") ? block.source : QStringLiteral("blocked");
        Result<bool> ended = friendships.endBetween(block.blockerUserId, block.blockedUserId,
                                                    block.blockerUserId, reason);
        if (!ended)
            return ended.error();
        Result<QStringList> closed = conversations.closeBetween(
            block.blockerUserId, block.blockedUserId, CloseReason::UserEnd, block.blockerUserId);
        if (!closed)
            return closed.error();
        return Ok {};
    });
    // A ban ends what the account takes part in: its place in the queue first (a match being
    // recorded for it is waited for), then its open conversations, that one included.
    events.subscribe<AccountBanned>([this](const AccountBanned &banned) -> Status {
        if (Status left = matching.leaveQueueIfQueued(banned.userId, banned.bannedByUserId); !left)
            return left;
        Result<QStringList> closed =
            conversations.closeAllOf(banned.userId, CloseReason::UserEnd, banned.bannedByUserId);
        if (!closed)
            return closed.error();
        return Ok {};
    });
    // A restricted person may not wait in the queue (they could not join it now).
    events.subscribe<AccountRestricted>([this](const AccountRestricted &restricted) {
        return matching.leaveQueueIfQueued(restricted.userId, restricted.restrictedByUserId);
    });
}

} // namespace fp
