#pragma once

// How a domain tells the others what happened without knowing them (docs/architecture.md,
// "How domains talk"). A domain publishes a typed event, declared in its <Domain>Events.h,
// inside the transaction that made it happen; every handler the application subscribed runs at
// once, on the same thread and in the same transaction, so what they do commits or rolls back
// with the cause, and the first handler that fails fails the publisher's operation.
//
// Handlers are subscribed while the application starts, before any request runs; publishing is
// then read-only and safe from every worker thread at once.

#include "common/Result.h"

#include <functional>
#include <typeindex>
#include <unordered_map>
#include <vector>

namespace fp {

class DomainEvents
{
public:
    template<typename Event> void subscribe(std::function<Status(const Event &)> handler)
    {
        m_handlers[std::type_index(typeid(Event))].push_back(
            [handler = std::move(handler)](const void *event) {
                return handler(*static_cast<const Event *>(event));
            });
    }

    /// Runs every handler of `Event` in subscription order; stops at the first failure.
    template<typename Event> Status publish(const Event &event) const
    {
        const auto it = m_handlers.find(std::type_index(typeid(Event)));
        if (it == m_handlers.end())
            return Ok {};
        for (const auto &handler : it->second) {
            if (Status s = handler(&event); !s)
                return s;
        }
        return Ok {};
    }

private:
    std::unordered_map<std::type_index, std::vector<std::function<Status(const void *)>>>
        m_handlers;
};

} // namespace fp
