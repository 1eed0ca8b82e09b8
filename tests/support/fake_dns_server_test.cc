// FakeDnsServer against glibc's stub resolver (libresolv), an implementation of DNS independent of it.
#include "tests/support/fake_dns_server.h"

#include <netdb.h>
#include <resolv.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "gtest/gtest.h"

namespace docval::testsupport {
namespace {

struct Reply {
  int rcode = -1;
  std::vector<std::string> a;  // dotted addresses of the A records, in order
  int answers = 0;
};

// One query through a resolver state whose only name server is `port` on loopback, no retries.
Reply Query(int port, const std::string& name, int type) {
  struct __res_state st {};
  EXPECT_EQ(res_ninit(&st), 0);
  st.nscount = 1;
  st.nsaddr_list[0].sin_family = AF_INET;
  st.nsaddr_list[0].sin_port = htons(static_cast<uint16_t>(port));
  st.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  st.retry = 1;
  st.retrans = 2;
  unsigned char query[512];
  unsigned char answer[1024];
  Reply r;
  const int q = res_nmkquery(&st, ns_o_query, name.c_str(), ns_c_in, type, nullptr, 0, nullptr, query, sizeof(query));
  EXPECT_GT(q, 0);
  // res_nsend, unlike res_nquery, hands back every answer whatever its code (NXDOMAIN, no data).
  const int n = q > 0 ? res_nsend(&st, query, q, answer, sizeof(answer)) : -1;
  if (n < 0) {
    res_nclose(&st);
    return r;
  }
  ns_msg msg;
  EXPECT_EQ(ns_initparse(answer, n, &msg), 0);
  r.rcode = ns_msg_getflag(msg, ns_f_rcode);
  r.answers = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < r.answers; ++i) {
    ns_rr rr;
    EXPECT_EQ(ns_parserr(&msg, ns_s_an, i, &rr), 0);
    if (ns_rr_type(rr) != ns_t_a || ns_rr_rdlen(rr) != 4) continue;
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, ns_rr_rdata(rr), text, sizeof(text));
    r.a.push_back(text);
  }
  res_nclose(&st);
  return r;
}

TEST(FakeDnsServerTest, AnswersTheAddressesOfAKnownNameAndFollowsChanges) {
  absl::StatusOr<std::unique_ptr<FakeDnsServer>> dns = FakeDnsServer::Start();
  ASSERT_TRUE(dns.ok()) << dns.status();
  (*dns)->SetA("validators.docval.test", {"127.0.0.1"});
  Reply r = Query((*dns)->port(), "validators.docval.test", ns_t_a);
  EXPECT_EQ(r.rcode, ns_r_noerror);
  EXPECT_EQ(r.a, std::vector<std::string>({"127.0.0.1"}));

  (*dns)->SetA("Validators.Docval.Test", {"127.0.0.1", "127.0.0.2"});
  r = Query((*dns)->port(), "VALIDATORS.docval.test", ns_t_a);
  EXPECT_EQ(r.rcode, ns_r_noerror);
  EXPECT_EQ(r.a, std::vector<std::string>({"127.0.0.1", "127.0.0.2"}));
  EXPECT_EQ((*dns)->queries("validators.docval.test", ns_t_a), 2);
}

TEST(FakeDnsServerTest, OtherTypesOfAKnownNameAreEmptyAndUnknownNamesDoNotExist) {
  absl::StatusOr<std::unique_ptr<FakeDnsServer>> dns = FakeDnsServer::Start();
  ASSERT_TRUE(dns.ok()) << dns.status();
  (*dns)->SetA("validators.docval.test", {"127.0.0.1"});
  Reply r = Query((*dns)->port(), "validators.docval.test", ns_t_aaaa);
  EXPECT_EQ(r.rcode, ns_r_noerror);
  EXPECT_EQ(r.answers, 0);
  EXPECT_EQ((*dns)->queries("validators.docval.test", ns_t_aaaa), 1);

  r = Query((*dns)->port(), "nobody.docval.test", ns_t_a);
  EXPECT_EQ(r.rcode, ns_r_nxdomain);
  EXPECT_EQ(r.answers, 0);
}

TEST(FakeDnsServerTest, DropsWhatIsNotAQueryAndKeepsServing) {
  absl::StatusOr<std::unique_ptr<FakeDnsServer>> dns = FakeDnsServer::Start();
  ASSERT_TRUE(dns.ok()) << dns.status();
  (*dns)->SetA("validators.docval.test", {"127.0.0.3"});
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>((*dns)->port()));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Too short; a response (QR set); a label running past the end.
  for (const std::string& junk :
       {std::string("\x12\x34", 2), std::string("\x12\x34\x80\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12),
        std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3f"
                    "abc",
                    16)}) {
    ASSERT_EQ(sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
              static_cast<ssize_t>(junk.size()));
  }
  timeval tv{0, 200000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[512];
  EXPECT_LT(recv(fd, buf, sizeof(buf), 0), 0) << "a datagram that is not a query got an answer";
  close(fd);
  EXPECT_EQ(Query((*dns)->port(), "validators.docval.test", ns_t_a).a, std::vector<std::string>({"127.0.0.3"}));
}

}  // namespace
}  // namespace docval::testsupport
