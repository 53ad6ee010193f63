#include "tollgate/core/read_hint.hpp"

#include <boost/version.hpp>

#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define TOLLGATE_READ_HINT 1
#include <boost/asio/detail/epoll_reactor.hpp>
#endif

namespace tollgate {

#ifdef TOLLGATE_READ_HINT
namespace {

using reactor = net::detail::epoll_reactor;
using socket_base_type = net::basic_socket<net::ip::tcp, executor>;

// A pointer to a member the member's class does not let us name. Explicit instantiation is
// exempt from access checks ([temp.spec.general]): the friend function defined here hands
// the pointer out. This is the only place that reaches into Asio's internals.
template <class Tag, typename Tag::type Member>
struct grant {
    friend typename Tag::type member_of(Tag) noexcept { return Member; }
};

struct socket_impl_tag {
    using type =  // basic_socket::impl_, protected
        net::detail::io_object_impl<net::detail::reactive_socket_service<net::ip::tcp>, executor>
            socket_base_type::*;
    friend type member_of(socket_impl_tag) noexcept;
};
template struct grant<socket_impl_tag, &socket_base_type::impl_>;

struct speculative_tag {
    using type = bool (reactor::descriptor_state::*)[reactor::max_ops];  // private
    friend type member_of(speculative_tag) noexcept;
};
template struct grant<speculative_tag, &reactor::descriptor_state::try_speculative_>;

bool* read_flag(tcp_socket& s) noexcept {
    socket_base_type& base = s;
    reactor::descriptor_state* state =
        (base.*member_of(socket_impl_tag{})).get_implementation().reactor_data_;
    if (state == nullptr) {
        return nullptr;  // closed
    }
    return &(state->*member_of(speculative_tag{}))[reactor::read_op];
}

}  // namespace

void expect_nothing_to_read(tcp_socket& s) noexcept {
    if (bool* flag = read_flag(s)) {
        *flag = false;
    }
}

bool will_try_read_at_once(tcp_socket& s) noexcept {
    const bool* flag = read_flag(s);
    return flag == nullptr || *flag;
}

#else

void expect_nothing_to_read(tcp_socket&) noexcept {}

bool will_try_read_at_once(tcp_socket&) noexcept {
    return true;
}

#endif

}  // namespace tollgate
