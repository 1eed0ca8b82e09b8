// `docval pcsc`: a desktop PC/SC reader plays the phone. Waits for the PC/SC service, a reader and a
// card (readers may be plugged in and the service started while it waits), connects to the card
// exclusively, announces the reader's and the card's APDU limits (reader_limits.h) in the start
// message, relays every APDU of the server to the card and prints each status, the result and the
// close code. A card that leaves the reader mid-session ends it from the client side with close code
// 1001 and NFC_CHIP_COMMUNICATION_FAILED, as the mobile SDKs do (docs/protocol.md §1.6).
// Usage and exit codes: kPcscUsage and kExit* in pcsc_options.h; the how-to is docs/pcsc.md.
#ifndef DOCVAL_TOOLS_PCSC_PCSC_MAIN_H_
#define DOCVAL_TOOLS_PCSC_PCSC_MAIN_H_

namespace docval::pcsc {

int PcscMain(int argc, char** argv);

}  // namespace docval::pcsc

#endif  // DOCVAL_TOOLS_PCSC_PCSC_MAIN_H_
