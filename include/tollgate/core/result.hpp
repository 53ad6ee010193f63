// result<T>: the return type of our fallible functions (GCC 12 has no std::expected in C++20).
#pragma once

#include "tollgate/core/error.hpp"

#include <boost/system/result.hpp>

namespace tollgate {

template <class T>
using result = boost::system::result<T, boost::system::error_code>;

}  // namespace tollgate
