#pragma once
// Human-readable output: aligned tables and numbers with thousands separators.
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace dza::cli {

// 1234567.891 with 1 decimal -> "1,234,567.9".
std::string format_number(double value, int decimals);

class Table {
public:
    enum class Align { Left, Right };
    void add_column(std::string header, Align align = Align::Left);
    void add_row(std::vector<std::string> cells);
    void print(std::ostream& out) const;
    // Prints the rows added, then `count` more made by row(i), without holding those: row(i) is
    // called twice for each, once to measure the columns and once to print, and must give the
    // same cells both times. For tables of a million rows.
    void print(std::ostream& out, std::size_t count, const std::function<std::vector<std::string>(std::size_t)>& row) const;

private:
    std::vector<std::string> headers_;
    std::vector<Align> aligns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace dza::cli
