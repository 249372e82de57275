/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An isolated "thumbnailer": reads a PGM (P5) image from the fd named "in",
 * writes a version scaled down by 4 to the fd named "out".  params: a path
 * the parent knows exists, to check that the child cannot see it.  It is the kind
 * of parser worth sandboxing; isolated, it can use nothing but those two
 * descriptors: no home, no network, no other files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

void Thumbnail(NativeChildProcess_Args args);

static int fd_named(NativeChildProcess_Args *args, const char *name)
{
    for (NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        if (strcmp(f->fdName, name) == 0)
            return f->fd;
    return -1;
}

void Thumbnail(NativeChildProcess_Args args)
{
    FILE *in = fdopen(fd_named(&args, "in"), "rb");
    FILE *out = fdopen(fd_named(&args, "out"), "wb");
    unsigned w, h, max;
    if (!in || !out || fscanf(in, "P5 %u %u %u", &w, &h, &max) != 3 || max > 255 || w == 0 || h == 0 ||
        w > 16384 || h > 16384 || fgetc(in) == EOF)
        exit(2);
    unsigned char *pix = malloc((size_t)w * h);
    if (!pix || fread(pix, 1, (size_t)w * h, in) != (size_t)w * h)
        exit(2);
    unsigned tw = (w + 3) / 4, th = (h + 3) / 4;
    fprintf(out, "P5\n%u %u\n255\n", tw, th);
    for (unsigned y = 0; y < th; y++)
        for (unsigned x = 0; x < tw; x++) {
            unsigned sum = 0, n = 0;
            for (unsigned dy = 0; dy < 4 && y * 4 + dy < h; dy++)
                for (unsigned dx = 0; dx < 4 && x * 4 + dx < w; dx++, n++)
                    sum += pix[(y * 4 + dy) * w + x * 4 + dx];
            fputc((int)(sum / n), out);
        }
    fclose(out);
    /* The parent may name a file of its own as params: isolated, this child
     * must not even see it (exit 3 if it does). */
    if (args.entryParams[0] && access(args.entryParams, F_OK) == 0)
        exit(3);
}
