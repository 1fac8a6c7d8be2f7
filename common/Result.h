#pragma once

// Errors are values: a Result<T> holds either the value or the AppError that prevented it.

#include "common/ApiError.h"

#include <utility>
#include <variant>

namespace fp {

template<typename T> class [[nodiscard]] Result
{
public:
    Result(T value) : m_state(std::move(value)) { }
    Result(AppError error) : m_state(std::move(error)) { }

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<T>(m_state); }
    const T &value() const & { return std::get<T>(m_state); }
    T &&value() && { return std::get<T>(std::move(m_state)); }
    T *operator->() { return &std::get<T>(m_state); }
    const T *operator->() const { return &std::get<T>(m_state); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }

    const AppError &error() const { return std::get<AppError>(m_state); }

private:
    std::variant<T, AppError> m_state;
};

/// For operations with nothing to return but success.
struct Ok
{
};
using Status = Result<Ok>;

} // namespace fp
