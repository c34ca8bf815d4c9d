/*
 * vosk_api.h: C declarations of the libvosk 0.3.39 functions that the Go
 * binding github.com/alphacep/vosk-api/go v0.3.45 calls, and nothing more.
 *
 * Written for spitfilter from the API documentation: the vosk npm package
 * ships libvosk.so without a header. Every symbol below is exported by that
 * library (checked with `nm -D --defined-only libvosk.so`).
 * install-libvosk.sh installs this file as /usr/local/include/vosk_api.h.
 */
#ifndef SPITFILTER_VOSK_API_H
#define SPITFILTER_VOSK_API_H

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque handles. A model is loaded once and shared by recognizers; it is
 * reference-counted, so freeing it while recognizers live is safe. */
typedef struct VoskModel VoskModel;
typedef struct VoskSpkModel VoskSpkModel;
typedef struct VoskRecognizer VoskRecognizer;

/* Models. The constructors return NULL when loading fails. */
VoskModel *vosk_model_new(const char *model_path);
void vosk_model_free(VoskModel *model);
/* Returns the word's symbol id, or -1 when the model cannot recognise it. */
int vosk_model_find_word(VoskModel *model, const char *word);

VoskSpkModel *vosk_spk_model_new(const char *model_path);
void vosk_spk_model_free(VoskSpkModel *model);

/* Recognizers. sample_rate is the rate of the PCM that will be fed, in Hz.
 * grammar is a JSON array of phrases, e.g. ["free cruise", "[unk]"]. */
VoskRecognizer *vosk_recognizer_new(VoskModel *model, float sample_rate);
VoskRecognizer *vosk_recognizer_new_spk(VoskModel *model, float sample_rate,
                                        VoskSpkModel *spk_model);
VoskRecognizer *vosk_recognizer_new_grm(VoskModel *model, float sample_rate,
                                        const char *grammar);
void vosk_recognizer_free(VoskRecognizer *recognizer);

void vosk_recognizer_set_spk_model(VoskRecognizer *recognizer,
                                   VoskSpkModel *spk_model);
void vosk_recognizer_set_max_alternatives(VoskRecognizer *recognizer,
                                          int max_alternatives);
/* Non-zero words: results carry per-word start, end and conf. */
void vosk_recognizer_set_words(VoskRecognizer *recognizer, int words);
/* Non-zero partial_words: partial results carry per-word times too. */
void vosk_recognizer_set_partial_words(VoskRecognizer *recognizer,
                                       int partial_words);

/* data is 16-bit mono PCM in host byte order, length in bytes. Returns 1 at
 * an endpoint (fetch the utterance with vosk_recognizer_result), 0 while
 * decoding goes on, -1 on error. */
int vosk_recognizer_accept_waveform(VoskRecognizer *recognizer,
                                    const char *data, int length);

/* JSON results. The strings belong to the recognizer and stay valid until
 * its next call. */
const char *vosk_recognizer_result(VoskRecognizer *recognizer);
const char *vosk_recognizer_partial_result(VoskRecognizer *recognizer);
const char *vosk_recognizer_final_result(VoskRecognizer *recognizer);
void vosk_recognizer_reset(VoskRecognizer *recognizer);

/* Process-wide: < 0 silences Kaldi's info messages, 0 is the default. */
void vosk_set_log_level(int log_level);

void vosk_gpu_init(void);
void vosk_gpu_thread_init(void);

#ifdef __cplusplus
}
#endif

#endif /* SPITFILTER_VOSK_API_H */
