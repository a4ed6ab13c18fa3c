import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def claims_from_unverified(apps, schema_editor):
    """Accounts below L2 only claimed their resident ID number: move it to ``claimed_resident_id``."""
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(assurance_level__lt=2, resident_id__isnull=False):
        user.claimed_resident_id = user.resident_id
        user.resident_id = None
        user.save(update_fields=["claimed_resident_id", "resident_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
        ("org", "0002_supervision_office_and_station_clerk"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="claimed_resident_id",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="The number given at registration, not yet verified. It is bound (resident ID number) only once verified; an unverified claim never blocks the person it belongs to.",
                max_length=18,
                verbose_name="claimed resident ID number",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_verified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a carrier check last confirmed that the mobile number is this person's.",
                null=True,
                verbose_name="mobile number verified at",
            ),
        ),
        migrations.CreateModel(
            name="IdentityVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "L1 self-registered"),
                            (2, "L2 verified against the population registry"),
                            (3, "L3 verified in person"),
                        ],
                        verbose_name="assurance level",
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("population_registry", "Population registry and carrier check"),
                            ("in_person", "In person with the identity document"),
                        ],
                        max_length=30,
                        verbose_name="method",
                    ),
                ),
                ("resident_id", models.CharField(max_length=18, verbose_name="resident ID number")),
                (
                    "document",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("resident_id_card", "Resident identity card"),
                            ("temporary_id_card", "Temporary resident identity card"),
                            ("household_booklet", "Household register booklet"),
                            ("passport", "Passport"),
                        ],
                        max_length=30,
                        verbose_name="document",
                    ),
                ),
                ("verified_at", models.DateTimeField(auto_now_add=True, verbose_name="verified at")),
                (
                    "place",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.department",
                        verbose_name="place",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identity_verifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
                (
                    "verified_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="identity_verifications_made",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="verified by",
                    ),
                ),
            ],
            options={
                "verbose_name": "identity verification",
                "verbose_name_plural": "identity verifications",
                "ordering": ["-verified_at", "-id"],
            },
        ),
        migrations.RunPython(claims_from_unverified, migrations.RunPython.noop),
    ]
