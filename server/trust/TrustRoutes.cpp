#include "server/trust/TrustRoutes.h"

#include "server/base/ReadCache.h"
#include "server/events/Outbox.h"
#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/trust/TrustJson.h"
#include "server/trust/TrustService.h"

namespace fp {

namespace {

QString viewKey(const QString &viewerId, const QString &userId)
{
    return viewerId + QLatin1Char('/') + userId;
}

} // namespace

bool keptTrustViewsChangedBy(const OutboxEvent &event)
{
    // A kept view is a score another person may see. It changes with the score, and stops
    // being visible with a block, a panic exit, a friendship ended or a deletion. Events that
    // only add to what may be seen, or touch nothing of it, are listed; any other event (a new
    // type too) drops every kept view, which is always safe.
    static const QSet<QLatin1StringView> unrelated {
        event::AccountCreated.name,
        event::AccountIdentityLinked.name,
        event::AccountIdentityUnlinked.name,
        event::OnboardingCompleted.name,
        event::ProfileUpdated.name,
        event::AvatarSet.name,
        event::AvatarRemoved.name,
        event::QueueJoined.name,
        event::QueueLeft.name,
        event::QueueExpired.name,
        event::Matched.name,
        event::ConversationStarted.name,
        event::MessageFlagged.name,
        event::MessageBlocked.name,
        event::GateDecided.name,
        event::GateTimedOut.name,
        event::Revealed.name,
        event::FriendshipCreated.name,
        event::ReportFiled.name,
        event::ReportClaimed.name,
        event::ReportEscalated.name,
        event::ReportClaimExpired.name,
        event::ModerationFlagged.name,
        event::DailyAnswered.name,
        event::WeeklyIntentSet.name,
        event::XpGranted.name,
        event::ClientEvent.name,
    };
    return !unrelated.contains(event.type.name);
}

void registerTrustRoutes(Router &router, const TrustService &trust, ReadCache &keptViews)
{
    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/trust_score/{user_id}"),
        .access = Access::User,
        .handler = [&trust, &keptViews](RequestContext &ctx) -> HttpResponse {
            const QString userId = ctx.param(QStringLiteral("user_id"));
            const ReadCache::Ticket ticket = keptViews.ticket();
            Result<TrustScoreView> view = trust.scoreFor(*ctx.caller, userId);
            if (!view)
                return view.error();
            HttpResponse response = HttpResponse::json(200, trustScoreToJson(*view));
            // Only another person's view is kept: one's own holds the cooldown, which ends with
            // time, and staff see everyone's in full.
            if (view->visibility == TrustVisibility::Limited)
                keptViews.store(viewKey(ctx.caller->userId, userId), response.body, ticket);
            return response;
        },
        .fromMemory = [&keptViews](const RequestContext &ctx) -> std::optional<HttpResponse> {
            const QString userId = ctx.param(QStringLiteral("user_id"));
            if (userId == ctx.caller->userId || ctx.caller->isStaff())
                return std::nullopt;
            std::optional<QByteArray> body = keptViews.find(viewKey(ctx.caller->userId, userId));
            if (!body)
                return std::nullopt;
            return HttpResponse::jsonText(200, std::move(*body));
        }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}/trust-score"),
                      .access = Access::Moderator,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          Result<TrustScoreView> view =
                              trust.scoreFor(*ctx.caller, ctx.param(QStringLiteral("id")));
                          if (!view)
                              return view.error();
                          return HttpResponse::json(200, staffTrustScore(*view).toJson());
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}/trust-events"),
                      .access = Access::Moderator,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          return offsetList(ctx, [&](const PageRequest<int> &page) {
                              return trust.ledgerPage(ctx.param(QStringLiteral("id")), page);
                          });
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}/trust-history"),
                      .access = Access::Moderator,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          QDateTime from = queryTime(ctx, "from", problems);
                          QDateTime to = queryTime(ctx, "to", problems);
                          if (!to.isValid())
                              to = QDateTime::currentDateTimeUtc();
                          if (!from.isValid())
                              from = to.addDays(-90);
                          if (problems.empty() && from >= to)
                              problems.add(QStringLiteral("query.to"),
                                           QStringLiteral("must be after from"));
                          if (!problems.empty())
                              return problems.error();
                          Result<admin::TimeSeries> series =
                              trust.history(ctx.param(QStringLiteral("id")), from, to);
                          if (!series)
                              return series.error();
                          return HttpResponse::json(200, series->toJson());
                      }});
}

} // namespace fp
