#include <libpq-fe.h>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "dza/layer.hpp"
#include "dza/secrets.hpp"
#include "helpers.hpp"

using namespace dza;
using namespace dza::test;

namespace {

// The password libpq itself reads from a connection string (or URI), when it can parse it.
std::optional<std::string> libpq_password(std::string conninfo, const char* key = "password") {
    if (conninfo.rfind("PG:", 0) == 0) conninfo.erase(0, 3);
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    PQfreemem(error);
    if (!options) return std::nullopt;
    std::optional<std::string> out;
    for (const PQconninfoOption* o = options; o->keyword; ++o)
        if (std::string(o->keyword) == key && o->val) out = o->val;
    PQconninfoFree(options);
    return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("passwords are hidden by libpq's quoting and escaping rules", "[secrets]") {
    struct Case {
        std::string conninfo;
        std::vector<std::string> hidden;  // must not appear in the redacted text
    };
    const std::vector<Case> cases = {
        {"PG:host=h dbname=gis password=PlainQ01", {"PlainQ01"}},
        {R"(PG:password='ab\'cdQ02' dbname=gis)", {"ab'cdQ02", "cdQ02"}},
        {R"(PG:password=ab\ cdQ03 dbname=gis)", {"ab cdQ03", "cdQ03"}},
        {"PG:dbname=gis password = 'sp aceQ04'", {"sp aceQ04", "aceQ04"}},
        {"PG:password= userQ05=x", {"userQ05=x"}},
        {R"(PG:dbname=gis password=trailQ06\)", {"trailQ06"}},
        {R"(PG:dbname=gis password='backQ07\\')", {"backQ07"}},
        {"PG:dbname=gis sslpassword=keyQ08 user=me", {"keyQ08"}},
        {"postgresql://me:p%40ssQ09@db.example/gis", {"p%40ssQ09", "p@ssQ09", "ssQ09"}},
        {"postgresql://me@db.example/gis?sslmode=disable&password=queryQ10", {"queryQ10"}},
        {"PG:postgresql://me:uriQ11@db:5432/gis", {"uriQ11"}},
        {"postgres://me:slash%2FQ12@db/gis?sslpassword=keyQ13", {"slash%2FQ12", "slash/Q12", "keyQ13"}},
        {"postgresql://me:raw/sl?Q14@db/gis", {"raw/sl?Q14", "sl?Q14"}},
        {"PG:dbname=gis tables=a,b password=gdalkeyQ15", {"gdalkeyQ15"}},
        {"PG:dbname=gis PASSWORD=upperQ16", {"upperQ16"}},
        {"PG:dbname=gis password='unbalanced Q17", {"unbalanced", "Q17"}},
        {"PG:dbname='gis password=insideQ18", {"insideQ18"}},
        {"PG:dbname=gis password=endQ19\t", {"endQ19"}},
        {"PG:password=first1Q20 password=secondQ21", {"first1Q20", "secondQ21"}},
        {"PG:dbname=gis password='' user=me", {"''"}},
    };
    for (const auto& c : cases) {
        INFO(c.conninfo);
        const std::string shown = redact_source(c.conninfo);
        INFO(shown);
        for (const auto& h : c.hidden) CHECK_FALSE(contains(shown, h));
        // Whatever libpq reads as the password is absent, from the text and from any message.
        for (const char* key : {"password", "sslpassword"}) {
            if (const auto pw = libpq_password(c.conninfo, key); pw && pw->size() >= min_scrubbed_secret) {
                CHECK_FALSE(contains(shown, *pw));
                CHECK_FALSE(contains(scrub_secrets("driver said: [" + *pw + "]"), *pw));
            }
        }
        CHECK(contains(shown, "***") == !c.hidden.empty());
        // Hiding is idempotent: a redacted source stays as it is.
        CHECK(redact_source(shown) == shown);
    }
}

TEST_CASE("redacted sources keep everything but the password", "[secrets]") {
    CHECK(redact_source("PG:host=localhost dbname=gis user=me password=keepQ30") == "PG:host=localhost dbname=gis user=me password=***");
    CHECK(redact_source(R"(PG:password='ke ep\'Q31' dbname=gis)") == "PG:password=*** dbname=gis");
    CHECK(redact_source("postgresql://me:keepQ32@db/gis?sslmode=require") == "postgresql://me:***@db/gis?sslmode=require");
    CHECK(redact_source("postgresql://me@db/gis?password=keepQ33&sslmode=require") == "postgresql://me@db/gis?password=***&sslmode=require");
    CHECK(redact_source("PG:dbname='gis password=keepQ34") == "PG:dbname='gis password=***");
    CHECK(redact_source("data/regions.geojson") == "data/regions.geojson");
    CHECK(redact_source("password authentication failed for user \"me\"") == "password authentication failed for user \"me\"");
}

TEST_CASE("a remembered password is scrubbed from any text", "[secrets]") {
    redact_source(R"(PG:dbname=gis password='tw o\\Q40')");
    CHECK(scrub_secrets(R"(connection to "tw o\Q40" failed)") == R"(connection to "***" failed)");
    // The same value as JSON escapes it.
    CHECK(scrub_secrets(R"({"source": "tw o\\Q40"})") == R"({"source": "***"})");
    // Too short to scrub from free text without wrecking it; still hidden where it stands.
    CHECK(redact_source("PG:password=ab dbname=gis") == "PG:password=*** dbname=gis");
    CHECK(scrub_secrets("tables ab, abc") == "tables ab, abc");
}

TEST_CASE("the password of a pg_service.conf entry is remembered", "[secrets]") {
    ScratchDir dir;
    write_text(dir.file("services.conf"), "[other]\npassword=otherQ50\n[mine]\nhost=db\n  password = svcQ51  \n");
    const ScopedEnv env("PGSERVICEFILE", dir.file("services.conf"));
    remember_secrets("PG:service=mine dbname=gis");
    CHECK(scrub_secrets("echo svcQ51") == "echo ***");
    CHECK(scrub_secrets("echo otherQ50") == "echo otherQ50");
}

TEST_CASE("a password holding | stays inside the layer reference's source", "[secrets][layer]") {
    const auto ref = LayerRef::parse("PG:dbname=gis password=a|bQ60|layername=regions");
    CHECK(ref.source == "PG:dbname=gis password=a|bQ60");
    CHECK(ref.layer_name == "regions");
    CHECK_FALSE(contains(ref.display(), "bQ60"));
    const auto uri = LayerRef::parse("postgresql://me:x|yQ61@db/gis|layerid=2");
    CHECK(uri.source == "postgresql://me:x|yQ61@db/gis");
    CHECK(uri.layer_index == 2);
    CHECK_FALSE(contains(uri.display(), "yQ61"));
    CHECK(LayerRef::parse("a.gpkg|layername=x").source == "a.gpkg");
}
