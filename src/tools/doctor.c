/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run --doctor: the report.  doctor_gather.c reads the facts (kernel,
 * sysctls, AppArmor, Landlock ABI, subordinate id ranges, the runner) and
 * probes what cannot be read (creating the isolated child's namespaces);
 * each row of doctor_checks.c says what one fact means and which walls
 * hold; this prints them, as text or as the JSON of doc/doctor.md.  Runs in
 * ncp-run.
 */
#include <stdio.h>
#include <string.h>

#include "doctor.h"

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void json_value(const struct result *r)
{
    switch (r->type) {
    case VALUE_NULL: printf("null"); break;
    case VALUE_BOOL: printf("%s", r->b ? "true" : "false"); break;
    case VALUE_INT: printf("%lld", r->i); break;
    case VALUE_STRING: json_string(r->s); break;
    }
}

/* The layout is the schema of doc/doctor.md; "schema" counts incompatible changes. */
static void print_json(const struct result *results, bool normal, bool isolated)
{
    printf("{\n  \"schema\": 1,\n  \"normal_children\": %s,\n  \"isolated_children\": %s,\n  \"checks\": {\n",
           normal ? "true" : "false", isolated ? "true" : "false");
    for (size_t i = 0; i < ncp_doctor_n_checks; i++) {
        const struct result *r = &results[i];
        printf("    ");
        json_string(ncp_doctor_checks[i].key);
        printf(": { \"kind\": \"%s\", \"label\": ", ncp_doctor_checks[i].section == WALL ? "wall" : "fact");
        json_string(ncp_doctor_checks[i].label);
        printf(", \"value\": ");
        json_value(r);
        printf(", \"holds\": %s, \"reason\": ", r->holds ? "true" : "false");
        json_string(r->reason);
        printf(", \"fix\": ");
        if (r->fix[0])
            json_string(r->fix);
        else
            printf("null");
        printf(" }%s\n", i + 1 < ncp_doctor_n_checks ? "," : "");
    }
    printf("  }\n}\n");
}

static void print_text(const struct doctor *d, const struct result *results, bool normal, bool isolated)
{
    printf("libchild_process doctor\n\n");
    for (size_t i = 0; i < ncp_doctor_n_checks; i++)
        if (ncp_doctor_checks[i].section == FACT) {
            printf("  %-46s %s\n", ncp_doctor_checks[i].label, results[i].text);
            if (!results[i].holds && results[i].fix[0])
                printf("  %-46s fix: %s\n", "", results[i].fix);
        }
    printf("\nwalls of an isolated child on this machine:\n\n");
    for (size_t i = 0; i < ncp_doctor_n_checks; i++)
        if (ncp_doctor_checks[i].section == WALL)
            printf("  [%s] %-66s (%s)\n", results[i].holds ? "ok" : "--", ncp_doctor_checks[i].label, results[i].reason);
    printf("\nnormal children: %s; isolated children: %s\n", normal ? "yes" : "NO", isolated ? "yes" : "NO");
    if (d->namespaces && !d->module_ok)
        printf("isolated children need %s (reinstall)\n", d->module);
}

int ncp_doctor(bool json)
{
    struct doctor d = { 0 };
    ncp_doctor_gather(&d);
    struct result results[ncp_doctor_n_checks];
    memset(results, 0, sizeof(results));
    for (size_t i = 0; i < ncp_doctor_n_checks; i++)
        ncp_doctor_checks[i].run(&d, &results[i]);
    bool normal = d.supported, isolated = d.supported && d.isolation;
    if (json)
        print_json(results, normal, isolated);
    else
        print_text(&d, results, normal, isolated);
    return isolated ? 0 : 1;
}
