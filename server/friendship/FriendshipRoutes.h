#pragma once

// GET /api/friends, DELETE /api/friends/{user_id}, GET and POST /api/friendships/{id}/events.

namespace fp {

class FriendshipService;
class Router;

void registerFriendshipRoutes(Router &router, const FriendshipService &friendships);

} // namespace fp
